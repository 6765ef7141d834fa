using System.Reactive.Concurrency;
using SseRx.Host.Hosting;
using SseRx.Sentiment;

namespace SseRx.Host.Metrics;

/// <summary>
/// The current aggregates for <c>GET /api/v2/metrics</c>: the journal's latest <c>metrics</c> event while streams
/// keep the shared feed polling, otherwise one fetch from the store shared by every request within a poll interval
/// (so the api role, which runs no streams, does not turn each request into a store query).
/// </summary>
/// <remarks>A singleton; thread-safe.</remarks>
internal sealed class MetricsReader(SseRxRuntime runtime, ISentimentSource source, IScheduler scheduler)
{
    private readonly Lock _lock = new();
    private Task<MetricsSnapshot>? _fetch;
    private DateTimeOffset _fetchStarted;

    public Task<MetricsSnapshot> GetAsync(CancellationToken cancellationToken)
    {
        var journal = runtime.Journal;
        if (journal.ReaderCount > 0 && journal.LatestMetrics?.Payload is MetricsSnapshot live)
        {
            return Task.FromResult(live);
        }

        Task<MetricsSnapshot> fetch;
        lock (_lock)
        {
            var now = scheduler.Now;
            if (_fetch is null || (_fetch.IsCompleted && (!_fetch.IsCompletedSuccessfully || now - _fetchStarted >= runtime.Options.PollInterval)))
            {
                _fetchStarted = now;
                _fetch = FetchAsync();
            }

            fetch = _fetch;
        }

        // The shared fetch is not cancelled by one caller leaving; only this caller's wait is.
        return fetch.WaitAsync(cancellationToken);
    }

    private async Task<MetricsSnapshot> FetchAsync()
    {
        var batch = await source.FetchAsync(null, CancellationToken.None);
        return batch.Metrics;
    }
}
