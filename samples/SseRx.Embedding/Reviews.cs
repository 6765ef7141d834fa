using SseRx.Host.Sentiment;

namespace SseRx.Embedding;

/// <summary>A product review as the app's own API takes it: a product code and a score from -1 to 1.</summary>
internal sealed record ReviewInput(string? Product, double? Score);

/// <summary>
/// The app's own data: the reviews it has received. It is also what SseRx polls, as an
/// <see cref="IEntryLog{TEntry}"/>: a range read returns the reviews between two positions.
/// </summary>
/// <remarks>
/// Thread-safe: the API adds reviews while the poller reads. A sample keeps every review in memory; a real app
/// would query its database for the rows in the range.
/// </remarks>
internal sealed class ReviewStore(TimeProvider clock) : IEntryLog<SentimentItem>
{
    private readonly Lock _gate = new();
    private readonly List<SentimentItem> _reviews = [];
    private readonly DateTimeOffset _created = clock.GetUtcNow();
    private long _sequence;

    /// <summary>Reviews are stamped and stored under one lock, so a reader never passes one that is still to come.</summary>
    public TimeSpan VisibilityDelay => TimeSpan.FromMilliseconds(50);

    /// <summary>Stores a review; returns the problem (field, reason) instead when it is invalid.</summary>
    public (string Field, string Reason)? Add(ReviewInput input)
    {
        var score = input.Score ?? double.NaN;
        lock (_gate)
        {
            // The timestamp and id make the event id, so they are assigned in order under the lock (and the time
            // never goes back): ids then increase along the list.
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
            return null;
        }
    }

    public bool HoldsEverythingAfter(SseEventId after) => after >= SseEventId.AtTime(_created);

    public SseEventId PositionOf(SentimentItem entry) => entry.EventId;

    public ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var inRange = _reviews.Where(r => range.Contains(r.EventId));
            var ordered = range.NewestFirst ? inRange.Reverse() : inRange;
            return ValueTask.FromResult<IReadOnlyList<SentimentItem>>([.. ordered.Take(range.MaxEntries)]);
        }
    }
}
