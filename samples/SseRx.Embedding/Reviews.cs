using SseRx.Sentiment;

namespace SseRx.Embedding;

/// <summary>A product review as the app's own API takes it: a product code and a score from -1 to 1.</summary>
internal sealed record ReviewInput(string? Product, double? Score);

/// <summary>
/// The app's own data: the reviews it has received. It is also what SseRx polls, through
/// <see cref="ISentimentSource"/>: each fetch returns the reviews after the cursor and the aggregates, which
/// <see cref="SentimentAggregator"/> keeps incrementally.
/// </summary>
/// <remarks>
/// Thread-safe: the API adds reviews while the poller fetches. A sample keeps every review in memory; a real app
/// would query its database for the rows after the cursor.
/// </remarks>
internal sealed class ReviewStore(TimeProvider clock) : ISentimentSource
{
    private readonly Lock _gate = new();
    private readonly List<SentimentItem> _reviews = [];
    private readonly SentimentAggregator _aggregator = new();
    private long _sequence;

    /// <summary>Stores a review; returns the problem (field, reason) instead when it is invalid.</summary>
    public (string Field, string Reason)? Add(ReviewInput input)
    {
        var score = input.Score ?? double.NaN;
        lock (_gate)
        {
            // The timestamp and id make the event id, so they are assigned in order under the lock (and the time
            // never goes back): ids then increase along the list, and a fetch can stop at the cursor.
            var now = clock.GetUtcNow();
            var item = new SentimentItem(
                $"review-{_sequence + 1:D8}",
                input.Product ?? string.Empty,
                score > 0.2 ? SentimentLabel.Positive : score < -0.2 ? SentimentLabel.Negative : SentimentLabel.Neutral,
                score,
                _reviews.Count > 0 && _reviews[^1].Timestamp > now ? _reviews[^1].Timestamp : now);
            if (item.Validate() is { } problem)
            {
                // The item's ticker is the review's product.
                return problem.Field == "ticker" ? ("product", problem.Reason) : problem;
            }

            _sequence++;
            _reviews.Add(item);
            _aggregator.Add([item]);
            return null;
        }
    }

    public ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();

            // The first fetch starts at the end: a new process does not replay old reviews as new.
            var first = _reviews.Count;
            if (after is { } cursor)
            {
                while (first > 0 && _reviews[first - 1].EventId > cursor)
                {
                    first--;
                }
            }

            var next = _reviews.Count > 0 ? _reviews[^1].EventId : after ?? SseEventId.AtTime(now);
            return ValueTask.FromResult(new SentimentBatch(
                _reviews[first..], _aggregator.Metrics(now), _aggregator.Tickers(now), next, now));
        }
    }
}
