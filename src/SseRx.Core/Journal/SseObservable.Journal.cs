using System.Reactive.Concurrency;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>Creates an <see cref="EventJournal"/> over <paramref name="source"/>.</summary>
    /// <param name="source">The live events, usually shared (one poll per process). Not subscribed until the first reader arrives.</param>
    /// <param name="options">Bounds and history (defaults: 100 events, 5 minutes, no history); validated and copied.</param>
    /// <param name="scheduler">
    /// The clock for <see cref="JournalOptions.MaxAge"/> and <see cref="JournalOptions.HistoryWindow"/>, and where a reader
    /// that leaves while the journal is delivering on another thread has its slot freed, so it should run work
    /// asynchronously (<c>Scheduler.Default</c>; not <c>Scheduler.Immediate</c>).
    /// </param>
    /// <returns>The journal. The caller owns it: dispose it at shutdown to complete every reader and release the source.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static EventJournal ToJournal(this IObservable<SseEvent> source, JournalOptions options, IScheduler scheduler) =>
        new(source, options, scheduler);

    /// <summary>Creates an <see cref="EventJournal"/> with default options (100 events, 5 minutes, no history) on <see cref="Scheduler.Default"/>.</summary>
    /// <param name="source">The live events, usually shared (one poll per process). Not subscribed until the first reader arrives.</param>
    /// <returns>The journal. The caller owns it: dispose it at shutdown to complete every reader and release the source.</returns>
    public static EventJournal ToJournal(this IObservable<SseEvent> source) =>
        new(source, new JournalOptions(), Scheduler.Default);
}
