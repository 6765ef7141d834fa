using System.Reactive.Disposables;

namespace SseRx;

/// <summary>The observable behind <see cref="SseObservable.WhereTopics(IObservable{SseEvent}, IObservable{IReadOnlySet{string}})"/>.</summary>
/// <remarks>
/// No lock: a new topic set is a reference swap that calls nothing, and the observer is reached by the source's own
/// (serialized) calls and by one end of the topic sets, which a half-serializer keeps from overlapping: whichever
/// arrives while the other is running hands its end to the one already inside.
/// </remarks>
internal sealed class TopicFilterObservable(IObservable<SseEvent> source, IObservable<IReadOnlySet<string>> topics) : IObservable<SseEvent>
{
    /// <summary>
    /// The one filter rule: an event without a topic always passes; an event with one passes when its topic is in
    /// <paramref name="topics"/>, and never while there is no set yet.
    /// </summary>
    internal static bool Passes(SseEvent e, IReadOnlySet<string>? topics) =>
        e.Topic is not { } topic || (topics is not null && topics.Contains(topic));

    public IDisposable Subscribe(IObserver<SseEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var run = new Run(observer);
        run.Start(source, topics);
        return run;
    }

    /// <summary>One subscription: observes the events and, through <see cref="TopicsObserver"/>, the topic sets.</summary>
    private sealed class Run(IObserver<SseEvent> observer) : IObserver<SseEvent>, IDisposable
    {
        private readonly SingleAssignmentDisposable _sourceSubscription = new();
        private readonly SingleAssignmentDisposable _topicsSubscription = new();
        private IReadOnlySet<string>? _topics;

        // The half-serializer: how many are inside (0 or 1, 2 while an end waits for a value in flight), and the end.
        private int _inside;
        private int _ended;
        private Exception? _error;

        public void Start(IObservable<SseEvent> source, IObservable<IReadOnlySet<string>> topics)
        {
            // Topics first: a source that replays on subscription is then filtered by a set that is already known.
            _topicsSubscription.Disposable = topics.Subscribe(new TopicsObserver(this));
            if (Volatile.Read(ref _ended) == 0)
            {
                _sourceSubscription.Disposable = source.Subscribe(this);
            }
        }

        public void OnNext(SseEvent value)
        {
            if (!Passes(value, Volatile.Read(ref _topics)) || Interlocked.CompareExchange(ref _inside, 1, 0) != 0)
            {
                return;
            }

            observer.OnNext(value);
            if (Interlocked.Decrement(ref _inside) != 0)
            {
                // An end arrived while the value was delivered: deliver it now, after the value.
                DeliverEnd();
            }
        }

        public void OnError(Exception error) => End(error);

        public void OnCompleted() => End(null);

        public void Dispose()
        {
            Volatile.Write(ref _ended, 1);
            _topicsSubscription.Dispose();
            _sourceSubscription.Dispose();
        }

        private void End(Exception? error)
        {
            if (Interlocked.Exchange(ref _ended, 1) != 0)
            {
                return;
            }

            _error = error;
            if (Interlocked.Increment(ref _inside) == 1)
            {
                DeliverEnd();
            }
        }

        private void DeliverEnd()
        {
            _topicsSubscription.Dispose();
            _sourceSubscription.Dispose();
            if (_error is { } error)
            {
                observer.OnError(error);
            }
            else
            {
                observer.OnCompleted();
            }
        }

        private sealed class TopicsObserver(Run run) : IObserver<IReadOnlySet<string>>
        {
            public void OnNext(IReadOnlySet<string> value) => Volatile.Write(ref run._topics, value);

            public void OnError(Exception error) => run.End(error);

            // The last set stays in force: a configuration that stops changing still filters. Only the finished
            // subscription is released.
            public void OnCompleted() => run._topicsSubscription.Dispose();
        }
    }
}
