using System.Reactive.Concurrency;
using System.Reactive.Linq;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>Creates an <see cref="EventJournal"/> over a feed's batches.</summary>
    /// <param name="source">The batches, usually an <see cref="SseFeed{TEntry}"/> (one poll per process). Not subscribed until the first reader arrives.</param>
    /// <param name="options">Bounds and history (defaults: 100 events, 5 minutes, 20 recent entries, no history); validated and copied.</param>
    /// <param name="scheduler">The clock for the journal's age limits.</param>
    /// <returns>The journal. The caller owns it: dispose it at shutdown to complete every reader and release the source.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EventJournal ToJournal(this IObservable<SseBatch> source, JournalOptions options, IScheduler scheduler) =>
        new(source, options, scheduler);

    /// <summary>
    /// Creates an <see cref="EventJournal"/> over single events, each its own batch: its id is where the stream is
    /// complete up to. Ids must increase; an event at or before the journal's position is ignored.
    /// </summary>
    /// <param name="source">The events. Not subscribed until the first reader arrives.</param>
    /// <param name="options">Bounds and history; validated and copied.</param>
    /// <param name="scheduler">The clock for the journal's age limits.</param>
    /// <returns>The journal. The caller owns it: dispose it at shutdown to complete every reader and release the source.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EventJournal ToJournal(this IObservable<SseEvent> source, JournalOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        return new(source.Select(static e => new SseBatch(null, e.Id, [e])), options, scheduler);
    }

    /// <summary>Creates an <see cref="EventJournal"/> over single events with default options on <see cref="Scheduler.Default"/>.</summary>
    /// <param name="source">The events, ids increasing. Not subscribed until the first reader arrives.</param>
    /// <returns>The journal. The caller owns it: dispose it at shutdown to complete every reader and release the source.</returns>
    public static EventJournal ToJournal(this IObservable<SseEvent> source) =>
        source.ToJournal(new JournalOptions(), Scheduler.Default);
}
