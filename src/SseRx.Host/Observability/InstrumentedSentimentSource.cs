using System.Diagnostics;
using SseRx.Sentiment;

namespace SseRx.Host.Observability;

/// <summary>
/// Wraps the store the shared feed polls: each fetch is an <c>sserx.poll</c> span and a
/// <see cref="SseRxMetrics.Names.PollDuration"/> value (with <c>error.type</c> when it failed). The result, errors and
/// cancellation pass through unchanged.
/// </summary>
/// <remarks>
/// Poll spans are roots: the poller serves every connection of the process, so parenting it on the request that
/// happened to start it would be misleading. A cancelled fetch (the last stream left) is neither timed nor an error.
/// Thread-safe as the inner source is; one allocation per poll for the async state machine.
/// </remarks>
internal sealed class InstrumentedSentimentSource(ISentimentSource inner, SseRxMetrics metrics, TimeProvider time) : ISentimentSource
{
    private readonly string _sourceType = inner.GetType().Name;

    /// <summary>The wrapped source.</summary>
    public ISentimentSource Inner => inner;

    public async ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken)
    {
        // Changes to Activity.Current here stay inside this async method.
        Activity.Current = null;
        using var activity = SseRxActivities.Source.StartActivity(SseRxActivities.Poll, ActivityKind.Client);
        activity?.SetTag(SseRxActivities.Tags.SourceType, _sourceType);
        var started = time.GetTimestamp();
        try
        {
            var batch = await inner.FetchAsync(after, cancellationToken).ConfigureAwait(false);
            metrics.PollCompleted(time.GetElapsedTime(started), error: null);
            activity?.SetTag(SseRxActivities.Tags.NewItems, batch?.NewItems?.Count ?? 0);
            return batch!;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Unset, "cancelled");
            throw;
        }
        catch (Exception error)
        {
            metrics.PollCompleted(time.GetElapsedTime(started), error);
            activity?.SetStatus(ActivityStatusCode.Error, error.Message);
            activity?.AddException(error);
            throw;
        }
    }
}
