namespace SseRx;

/// <summary>The history a journal reads for a resume, over the store its feed polls (see <see cref="SseFeed{TEntry}.History"/>).</summary>
internal sealed class EntryLogHistory<TEntry>(IEntryLog<TEntry> log, Func<TEntry, SseEvent> toEvent) : IEventHistory
{
    public async ValueTask<IReadOnlyList<SseEvent>?> ReadAsync(
        SseEventId after, SseEventId through, int maxEvents, CancellationToken cancellationToken)
    {
        if (!log.HoldsEverythingAfter(after))
        {
            return null;
        }

        var range = new EntryRange(after, through, maxEvents);
        var entries = await log.ReadAsync(range, cancellationToken).ConfigureAwait(false);
        var events = new List<SseEvent>(entries.Count);
        foreach (var entry in entries)
        {
            // The same rule as the feed: an entry whose event cannot be made, or has another id, is not sent.
            if (SseFeed<TEntry>.TryMap(toEvent, log, entry, out var value) && range.Contains(value.Id))
            {
                events.Add(value);
            }
        }

        // A full read is how the journal knows the store holds more than it may replay; a skipped entry must not hide that.
        return entries.Count >= maxEvents && events.Count < maxEvents ? null : events;
    }
}

/// <summary>Builds the <see cref="IEventHistory"/> a journal reads when a client resumes from before what it holds.</summary>
public static class EventHistory
{
    /// <summary>
    /// The entries after a cursor, read from <paramref name="log"/> and mapped with <paramref name="toEvent"/>: the same
    /// events the feed over that log emits (<see cref="SseFeed{TEntry}.History"/> is this, over the feed's own log).
    /// A cursor the log no longer holds everything after (<see cref="IEntryLog{TEntry}.HoldsEverythingAfter"/>) gets
    /// <see langword="null"/>, so the client resyncs.
    /// </summary>
    /// <param name="log">The store.</param>
    /// <param name="toEvent">The entry-to-event mapping the feed uses; an entry it fails on is not sent.</param>
    public static IEventHistory FromLog<TEntry>(IEntryLog<TEntry> log, Func<TEntry, SseEvent> toEvent)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(toEvent);
        return new EntryLogHistory<TEntry>(log, toEvent);
    }
}
