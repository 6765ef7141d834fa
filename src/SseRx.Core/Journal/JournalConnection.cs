using System.Reactive.Disposables;

namespace SseRx;

/// <summary>
/// One subscription of the journal to its source. A new one is made each time the reader count goes from zero
/// to one. Batches from one that is being torn down are still appended (the journal keeps only what is after its
/// position, so nothing is lost or doubled); its completion or error is ignored.
/// </summary>
internal sealed class JournalConnection(EventJournal journal) : IObserver<SseBatch>, IDisposable
{
    private readonly SingleAssignmentDisposable _subscription = new();

    public void Connect(IObservable<SseBatch> source)
    {
        IDisposable subscription;
        try
        {
            subscription = source.Subscribe(this);
        }
#pragma warning disable CA1031 // A source that throws on Subscribe fails its readers rather than the subscriber's thread.
        catch (Exception error)
#pragma warning restore CA1031
        {
            journal.Terminate(this, error);
            return;
        }

        // Disposes at once if the last reader already left.
        _subscription.Disposable = subscription;
    }

    public void OnNext(SseBatch value) => journal.Append(value);

    public void OnError(Exception error) => journal.Terminate(this, error);

    public void OnCompleted() => journal.Terminate(this, null);

    public void Dispose() => _subscription.Dispose();
}
