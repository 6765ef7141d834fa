using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using SseRx.Host.Hosting;
using SseRx.Host.Sentiment;

namespace SseRx.Host.Metrics;

/// <summary>
/// The current aggregates for <c>GET /api/v2/metrics</c>: the journal's latest <c>metrics</c> event, kept current by the
/// shared feed. A process that runs no streams (the api role) keeps the feed polling while the endpoint is in use: the
/// first request subscribes one reader to the journal, and it leaves once no request has come for
/// <see cref="KeepWarm"/>. However many requests arrive, the store is polled once per interval.
/// </summary>
/// <remarks>A singleton; thread-safe. Disposing it releases its reader.</remarks>
internal sealed class MetricsReader(SseRxRuntime runtime, IScheduler scheduler) : IDisposable
{
    private readonly Lock _lock = new();

    // Under _lock: the warm reader, since when it has been subscribed, and when the endpoint was last asked.
    private IDisposable? _reader;
    private DateTimeOffset _warmSince;
    private DateTimeOffset _lastRequest;
    private bool _disposed;

    // Since when the feed has been known to poll without a break (streams were reading when the reader warmed up);
    // MaxValue when it was idle, so only a poll after the warm-up counts.
    private DateTimeOffset _pollingSince = DateTimeOffset.MaxValue;

    /// <summary>How long the reader stays after the last request: three poll intervals, at least a minute.</summary>
    internal TimeSpan KeepWarm => runtime.Options.PollInterval * 3 > TimeSpan.FromMinutes(1)
        ? runtime.Options.PollInterval * 3
        : TimeSpan.FromMinutes(1);

    /// <summary>
    /// The metrics as of the feed's latest poll. Waits for a poll when the feed was idle; fails when the store is failing
    /// (the poller reports it degraded or failed) before any poll succeeded.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store cannot be read now.</exception>
    public async Task<MetricsSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        var warmSince = Warm();
        var health = runtime.Health;

        // While the feed was already polling for streams, its latest metrics are at most one interval old.
        if (health.Current.State == PollState.Healthy && health.Current.LastSuccess is { } last && last >= _pollingSince &&
            runtime.Journal.LatestState(SentimentProjection.MetricsKey)?.Payload is MetricsSnapshot current)
        {
            return current;
        }

        var status = await health
            .StartWith(health.Current)
            .FirstAsync(s => Fresh(s, warmSince) || s.State is PollState.Degraded or PollState.Failed)
            .ToTask(cancellationToken);
        if (Fresh(status, warmSince) && runtime.Journal.LatestState(SentimentProjection.MetricsKey)?.Payload is MetricsSnapshot metrics)
        {
            return metrics;
        }

        throw new InvalidOperationException($"The store could not be read: the poller is {status.State}.", status.LastError);
    }

    public void Dispose()
    {
        IDisposable? reader;
        lock (_lock)
        {
            _disposed = true;
            reader = _reader;
            _reader = null;
        }

        reader?.Dispose();
    }

    private static bool Fresh(PollStatus status, DateTimeOffset warmSince) =>
        status.State == PollState.Healthy && status.LastSuccess >= warmSince;

    /// <summary>Subscribes the reader if it is not there; returns since when it has been.</summary>
    private DateTimeOffset Warm()
    {
        SingleAssignmentDisposable? subscribe = null;
        DateTimeOffset warmSince;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _lastRequest = scheduler.Now;
            if (_reader is null)
            {
                _warmSince = _lastRequest;
                _pollingSince = runtime.Journal.ReaderCount > 0 ? DateTimeOffset.MinValue : DateTimeOffset.MaxValue;
                _reader = subscribe = new SingleAssignmentDisposable();
            }

            warmSince = _warmSince;
        }

        if (subscribe is not null)
        {
            // Disposed at once if the reader expired or the reader was disposed meanwhile.
            subscribe.Disposable = runtime.Journal.ResumeFrom(null).Subscribe(static _ => { }, static _ => { });
            scheduler.Schedule(KeepWarm, Expire);
        }

        return warmSince;
    }

    private void Expire(Action<TimeSpan> again)
    {
        IDisposable? reader;
        lock (_lock)
        {
            var idle = scheduler.Now - _lastRequest;
            if (_reader is null || idle < KeepWarm)
            {
                if (_reader is not null)
                {
                    again(KeepWarm - idle);
                }

                return;
            }

            reader = _reader;
            _reader = null;
        }

        reader.Dispose();
    }
}
