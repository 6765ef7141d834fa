using System.Diagnostics;
using SseRx.Host.Sentiment;

namespace SseRx.Host.Observability;

/// <summary>
/// Wraps the items store the shared feed polls: each read is an <c>sserx.poll</c> span and a
/// <see cref="SseRxMetrics.Names.PollDuration"/> value (with <c>error.type</c> when it failed). Results, errors and
/// cancellation pass through unchanged.
/// </summary>
/// <remarks>
/// Poll spans are roots: the poller serves every connection of the process, so parenting it on the request that
/// happened to start it would be misleading. A cancelled read (the last stream left) is neither timed nor an error.
/// Thread-safe as the inner store is; one allocation per read for the async state machine. Resumes read the
/// uninstrumented store: their spans come from the journal's resume outcome (<see cref="ResumeSpan"/>).
/// </remarks>
internal sealed class InstrumentedEntryLog(IEntryLog<SentimentItem> inner, SseRxMetrics metrics, TimeProvider time) : IEntryLog<SentimentItem>
{
    private readonly string _sourceType = inner.GetType().Name;

    /// <summary>The wrapped store.</summary>
    public IEntryLog<SentimentItem> Inner => inner;

    public TimeSpan VisibilityDelay => inner.VisibilityDelay;

    public bool HoldsEverythingAfter(SseEventId after) => inner.HoldsEverythingAfter(after);

    public SseEventId PositionOf(SentimentItem entry) => inner.PositionOf(entry);

    public async ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        // Changes to Activity.Current here stay inside this async method.
        Activity.Current = null;
        using var activity = SseRxActivities.Source.StartActivity(SseRxActivities.Poll, ActivityKind.Client);
        activity?.SetTag(SseRxActivities.Tags.SourceType, _sourceType);
        var started = time.GetTimestamp();
        try
        {
            var items = await inner.ReadAsync(range, cancellationToken).ConfigureAwait(false);
            metrics.PollCompleted(time.GetElapsedTime(started), error: null);
            activity?.SetTag(SseRxActivities.Tags.NewItems, items?.Count ?? 0);
            return items!;
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
