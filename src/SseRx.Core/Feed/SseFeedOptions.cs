namespace SseRx;

/// <summary>Options for <see cref="SseFeed{TEntry}"/>. Read and validated once, when the feed is created.</summary>
/// <typeparam name="TEntry">The entry type.</typeparam>
public sealed class SseFeedOptions<TEntry>
{
    /// <summary>
    /// Makes an entry's event, serialized once and shared by every connection. Its id must be the entry's position
    /// (<see cref="IEntryLog{TEntry}.PositionOf"/>); an entry whose event throws or has another id is skipped and counted
    /// in <see cref="SseFeed{TEntry}.SkippedEntries"/>. Required.
    /// </summary>
    public Func<TEntry, SseEvent>? ToEvent { get; set; }

    /// <summary>How the store is polled. Default: every 5 seconds, backing off to 60 seconds while failing.</summary>
    public PollOptions Poll { get; set; } = new();

    /// <summary>The state derived from the entries and sent as state events, if any. Default none.</summary>
    public IStateProjection<TEntry>? Projection { get; set; }

    /// <summary>
    /// How many of the most recent entries the first poll emits, so a new client sees recent entries at once. Default 20;
    /// 0 for none. Give the journal at least as many (<see cref="JournalOptions.RecentEntries"/>).
    /// </summary>
    public int RecentEntries { get; set; } = 20;

    /// <summary>How far back the first poll looks for those recent entries. Default 15 minutes.</summary>
    public TimeSpan RecentWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The most entries one poll reads. A poll that reaches it emits what it read and the next poll continues from
    /// there (state events wait until a poll reaches the watermark). Default 1,000.
    /// </summary>
    public int MaxEntriesPerPoll { get; set; } = 1000;

    /// <summary>
    /// How far behind its position each poll reads again, to notice entries that became readable later than the store's
    /// visibility delay (see <see cref="OnLateEntry"/>). Default (<see langword="null"/>): the visibility delay plus the
    /// poll interval, which notices an entry up to about twice the delay late. Zero turns it off. It costs reading
    /// those entries again on every poll (the same requests, more items).
    /// </summary>
    public TimeSpan? LateEntryLookback { get; set; }

    /// <summary>
    /// Called for an entry that became readable later than the store's visibility delay after its timestamp, after the
    /// feed had passed its position (each poll reads <see cref="LateEntryLookback"/> further back to notice such entries). It is not sent:
    /// a cursor cannot account for it. Log it and raise the delay, or fix the writer. Called from the feed's commit
    /// thread, never under a lock; an exception ends that poll's subscription. Default none (still counted in
    /// <see cref="SseFeed{TEntry}.LateEntries"/>).
    /// </summary>
    public Action<TEntry, SseEventId>? OnLateEntry { get; set; }

    /// <summary>Throws when an option is missing or out of range.</summary>
    /// <exception cref="ArgumentNullException"><see cref="ToEvent"/> or <see cref="Poll"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A count or a duration is out of range.</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(ToEvent, nameof(ToEvent));
        ArgumentNullException.ThrowIfNull(Poll, nameof(Poll));
        Poll.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(RecentEntries, nameof(RecentEntries));
        ArgumentOutOfRangeException.ThrowIfLessThan(RecentWindow, TimeSpan.Zero, nameof(RecentWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEntriesPerPoll, 1, nameof(MaxEntriesPerPoll));
        ArgumentOutOfRangeException.ThrowIfLessThan(LateEntryLookback ?? TimeSpan.Zero, TimeSpan.Zero, nameof(LateEntryLookback));
        if (Projection is { Window: var window })
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(window, TimeSpan.Zero, "Projection.Window");
        }
    }
}
