namespace SseRx;

/// <summary>The sequence returned by <see cref="EventJournal.ResumeFrom(string?)"/>: each subscription is one reader.</summary>
internal sealed class JournalResume(EventJournal journal, string? lastEventId, Action<ResumeOutcome>? onResolved) : IObservable<SseEvent>
{
    public IDisposable Subscribe(IObserver<SseEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return journal.Subscribe(lastEventId, observer, onResolved);
    }
}
