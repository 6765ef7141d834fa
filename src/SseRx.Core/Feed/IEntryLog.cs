namespace SseRx;

/// <summary>
/// A store of entries ordered by position (a time-ordered sort key), which a <see cref="SseFeed{TEntry}"/> polls and
/// a resuming client's history is read from.
/// </summary>
/// <typeparam name="TEntry">The entry type, for example a row of your table.</typeparam>
/// <remarks>
/// <para>
/// An entry's position is its timestamp in Unix milliseconds plus a key unique at that millisecond (an
/// <see cref="SseEventId"/> whose key does not start with <c>~</c>). Entries never change position, and once visible
/// stay visible until they expire.
/// </para>
/// <para>
/// The one assumption SseRx makes of a store is <see cref="VisibilityDelay"/>: an entry stamped at <c>t</c> is visible
/// to every reader from <c>t + VisibilityDelay</c> on (by the reader's clock). A feed reads only ranges that are that
/// old, so every instance reads the same entries and a cursor means the same thing everywhere (see
/// <c>docs/event-ids-and-resume.md</c>). Writers keep it by stamping an entry just before they write it.
/// </para>
/// <para>Implementations must be thread-safe: reads for resumes run concurrently with the feed's polls.</para>
/// </remarks>
public interface IEntryLog<TEntry>
{
    /// <summary>How late an entry may become visible to readers after its timestamp. The feed's delivery waits this long.</summary>
    TimeSpan VisibilityDelay { get; }

    /// <summary>
    /// Whether the log still holds every entry after <paramref name="after"/> that was ever written, so that a history
    /// read from there is complete. A store that keeps a window (a time to live, a fresh in-memory store after a
    /// restart) answers <see langword="false"/> for older positions, and the resuming client gets a <c>resync</c>
    /// instead of a silent gap.
    /// </summary>
    /// <param name="after">A resuming client's cursor.</param>
    bool HoldsEverythingAfter(SseEventId after);

    /// <summary>The position of <paramref name="entry"/>.</summary>
    /// <param name="entry">An entry this log returned.</param>
    SseEventId PositionOf(TEntry entry);

    /// <summary>The entries in <paramref name="range"/>, in the order it asks for, at most its maximum.</summary>
    /// <param name="range">Which positions, how many, and in which order.</param>
    /// <param name="cancellationToken">Cancelled when the poll or the resume is abandoned.</param>
    /// <returns>The entries; empty when there are none.</returns>
    ValueTask<IReadOnlyList<TEntry>> ReadAsync(EntryRange range, CancellationToken cancellationToken);
}

/// <summary>A range of positions to read from an <see cref="IEntryLog{TEntry}"/>.</summary>
/// <param name="After">The exclusive lower bound.</param>
/// <param name="Through">The inclusive upper bound.</param>
/// <param name="MaxEntries">The most entries to return: the oldest ones, or with <paramref name="NewestFirst"/> the newest.</param>
/// <param name="NewestFirst">Return the newest entries first (a new client's recent entries); otherwise oldest first.</param>
public readonly record struct EntryRange(SseEventId After, SseEventId Through, int MaxEntries, bool NewestFirst = false)
{
    /// <summary>Whether <paramref name="position"/> lies in the range.</summary>
    /// <param name="position">A position.</param>
    public bool Contains(SseEventId position) => position > After && position <= Through;
}
