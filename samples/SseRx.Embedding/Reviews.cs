using System.Reactive.Concurrency;
using System.Text.Json.Serialization;

namespace SseRx.Embedding;

/// <summary>A review as the app's API takes it.</summary>
internal sealed record ReviewInput(string? Product, int? Rating, string? Text)
{
    /// <summary>The first problem with the input, as (field, reason), or <see langword="null"/> when it is valid.</summary>
    public (string Field, string Reason)? Validate() =>
        Product is not { Length: > 0 and <= 40 } || !Product.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? ("product", "Must be 1 to 40 letters, digits or dashes.")
            : Rating is not (>= 1 and <= 5) ? ("rating", "Must be a whole number from 1 to 5.")
            : Text is { Length: > 500 } ? ("text", "Must be at most 500 characters.")
            : null;
}

/// <summary>A stored review. <see cref="Id"/> is zero-padded, so ids of the same millisecond sort as numbers.</summary>
internal sealed record Review(string Id, string Product, int Rating, string? Text, DateTimeOffset At)
{
    /// <summary>Where the review sits in the log, and so its event's id: its time and its id.</summary>
    [JsonIgnore]
    public SseEventId Position => SseEventId.Create(At, Id);
}

/// <summary>
/// The app's reviews, and what SseRx polls: an <see cref="IEntryLog{TEntry}"/> whose range read returns the reviews
/// between two positions. A real app would query its database for the rows in the range.
/// </summary>
/// <remarks>
/// Thread-safe. A review is stamped (on the feed's clock) and stored under one lock, and times never go back, so a poll,
/// which reads only up to a little before now, never passes a review that is still to come.
/// </remarks>
internal sealed class ReviewLog(IScheduler clock) : IEntryLog<Review>
{
    private readonly Lock _gate = new();
    private readonly List<Review> _reviews = [];
    private readonly SseEventId _created = SseEventId.AtTime(clock.Now);

    public TimeSpan VisibilityDelay => TimeSpan.FromMilliseconds(50);

    /// <summary>Stores a valid review (see <see cref="ReviewInput.Validate"/>).</summary>
    public Review Add(ReviewInput input)
    {
        lock (_gate)
        {
            var now = clock.Now;
            var at = _reviews.Count > 0 && _reviews[^1].At > now ? _reviews[^1].At : now;
            var review = new Review($"{_reviews.Count + 1:D8}", input.Product!, input.Rating!.Value, input.Text, at);
            _reviews.Add(review);
            return review;
        }
    }

    // It holds every review since the process started; an older cursor (a previous run's) gets a resync, not a gap.
    public bool HoldsEverythingAfter(SseEventId after) => after >= _created;

    public SseEventId PositionOf(Review entry) => entry.Position;

    public ValueTask<IReadOnlyList<Review>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var inRange = _reviews.Where(r => range.Contains(r.Position));
            return ValueTask.FromResult<IReadOnlyList<Review>>([.. (range.NewestFirst ? inRange.Reverse() : inRange).Take(range.MaxEntries)]);
        }
    }
}
