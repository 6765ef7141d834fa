using SseRx.Sentiment;

namespace SseRx.Host.Observability;

/// <summary>
/// Wraps the store's history so a resume's span (<see cref="ResumeTracing"/>) learns that the journal fell back to
/// the store, and how many events it returned. Results, errors and cancellation pass through unchanged.
/// </summary>
/// <remarks>Thread-safe as the inner history is. Outside a traced resume it only forwards.</remarks>
internal sealed class InstrumentedSentimentHistory(ISentimentHistory inner) : ISentimentHistory
{
    /// <summary>The wrapped history.</summary>
    public ISentimentHistory Inner => inner;

    public ValueTask<IReadOnlyList<SentimentItem>?> ReadAfterAsync(SseEventId after, int maxItems, CancellationToken cancellationToken)
    {
        // Read synchronously: the journal calls this from inside the resume's Subscribe, where the tap is current.
        var tap = ResumeTap.Current;
        if (tap is null)
        {
            return inner.ReadAfterAsync(after, maxItems, cancellationToken);
        }

        tap.HistoryRequested();
        return ReadAsync(tap, after, maxItems, cancellationToken);
    }

    private async ValueTask<IReadOnlyList<SentimentItem>?> ReadAsync(ResumeTap tap, SseEventId after, int maxItems, CancellationToken cancellationToken)
    {
        var items = await inner.ReadAfterAsync(after, maxItems, cancellationToken).ConfigureAwait(false);
        tap.HistoryAnswered(items?.Count ?? 0);
        return items;
    }
}
