using System.Reactive.Concurrency;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>Creates an <see cref="EventJournal"/> over <paramref name="source"/>.</summary>
    public static EventJournal ToJournal(this IObservable<SseEvent> source, JournalOptions options, IScheduler scheduler) =>
        new(source, options, scheduler);

    /// <summary>Creates an <see cref="EventJournal"/> with default options on <see cref="Scheduler.Default"/>.</summary>
    public static EventJournal ToJournal(this IObservable<SseEvent> source) =>
        new(source, new JournalOptions(), Scheduler.Default);
}
