using System.Reactive.Disposables;

namespace SseRx.Sentiment;

/// <summary>
/// The shared event stream behind <see cref="SentimentFeed.Events"/>: one subscription to the poller for every
/// subscriber, and each batch mapped to events once, under the same lock that attaches and detaches subscribers.
/// </summary>
/// <remarks>
/// <para>
/// Mapping commits the feed's cursor and change-detection state, so a batch must be mapped only if someone receives
/// it. A poll can complete while the last subscriber is leaving: a generic share (<c>Publish().RefCount()</c>, or any
/// Rx operator between it and the subscriber) has by then let go of that subscriber but not yet stopped the poller,
/// and a batch mapped at that moment would be lost for good. Here a batch either reaches the subscribers attached
/// when it is mapped, or, if none are left (or a newer poller has replaced its own), is dropped unmapped, so the next
/// poll fetches its items again.
/// </para>
/// <para>
/// Subscribers are called one event at a time under the lock, in order; they should be quick (a journal) and must
/// not throw. A subscriber that leaves while a batch is being delivered still gets the rest of that batch. A mapping failure or a poller error is delivered to every current subscriber as <c>OnError</c> and
/// ends that poller; the next subscriber starts a new one. Thread-safe.
/// </para>
/// </remarks>
#pragma warning disable CA1001 // The poller is disposed when the last subscriber leaves; between subscriptions nothing is held.
internal sealed class FeedEvents(IObservable<SentimentBatch> batches, SentimentBatchMapper mapper) : IObservable<SseEvent>
#pragma warning restore CA1001
{
    private readonly Lock _gate = new();
    private IObserver<SseEvent>[] _observers = [];
    private Poller? _poller;

    public IDisposable Subscribe(IObserver<SseEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        Poller? start = null;
        lock (_gate)
        {
            _observers = [.. _observers, observer];
            if (_poller is null)
            {
                start = _poller = new Poller(this);
            }
        }

        // Outside the lock: subscribing starts the poller, which must not run a fetch under it.
        start?.Start(batches);
        return new Subscription(this, observer);
    }

    private void Unsubscribe(IObserver<SseEvent> observer)
    {
        Poller? stop = null;
        lock (_gate)
        {
            var index = Array.IndexOf(_observers, observer);
            if (index < 0)
            {
                return;
            }

            _observers = [.. _observers.AsSpan(0, index), .. _observers.AsSpan(index + 1)];
            if (_observers.Length == 0)
            {
                stop = _poller;
                _poller = null;
            }
        }

        // A batch the poller completes meanwhile finds it is no longer current and is dropped unmapped.
        stop?.Dispose();
    }

    private void Deliver(Poller poller, SentimentBatch batch)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(poller, _poller))
            {
                return;
            }

            IReadOnlyList<SseEvent> events;
            try
            {
                events = mapper.Map(batch);
            }
            catch (Exception error)
            {
                FailUnderLock(poller, error);
                return;
            }

            // The whole batch goes to the subscribers attached when it was mapped, even one that leaves from OnNext
            // halfway through: the batch is committed, so its journal must still see the rest of it.
            // Readers wake once, after the whole batch: each connection then writes it with one flush.
            var observers = _observers;
            using var wakes = ConsumerBuffer.DeferWakes();
            foreach (var value in events)
            {
                foreach (var observer in observers)
                {
                    observer.OnNext(value);
                }
            }
        }
    }

    private void End(Poller poller, Exception? error)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(poller, _poller))
            {
                return;
            }

            FailUnderLock(poller, error);
        }
    }

    /// <summary>Ends the current subscribers with <paramref name="error"/> (completion when null) and retires the poller.</summary>
    private void FailUnderLock(Poller poller, Exception? error)
    {
        var observers = _observers;
        _observers = [];
        _poller = null;
        foreach (var observer in observers)
        {
            if (error is null)
            {
                observer.OnCompleted();
            }
            else
            {
                observer.OnError(error);
            }
        }

        poller.Dispose();
    }

    /// <summary>One subscription to the poller; replaced by a new one when the last subscriber has left.</summary>
    private sealed class Poller(FeedEvents owner) : IObserver<SentimentBatch>, IDisposable
    {
        private readonly SingleAssignmentDisposable _subscription = new();

        public void Start(IObservable<SentimentBatch> source) => _subscription.Disposable = source.Subscribe(this);

        public void OnNext(SentimentBatch value) => owner.Deliver(this, value);

        public void OnError(Exception error) => owner.End(this, error);

        public void OnCompleted() => owner.End(this, null);

        public void Dispose() => _subscription.Dispose();
    }

    private sealed class Subscription(FeedEvents owner, IObserver<SseEvent> observer) : IDisposable
    {
        private FeedEvents? _owner = owner;

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Unsubscribe(observer);
    }
}
