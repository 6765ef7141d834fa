using System.Reactive.Disposables;

namespace SseRx;

/// <summary>The observable behind <see cref="SseObservable.WhereTickers(IObservable{SseEvent}, IObservable{IReadOnlySet{string}})"/>.</summary>
internal sealed class TickerFilterObservable(IObservable<SseEvent> source, IObservable<IReadOnlySet<string>> tickers) : IObservable<SseEvent>
{
    private readonly IObservable<SseEvent> _source = source;
    private readonly IObservable<IReadOnlySet<string>> _tickers = tickers;

    /// <summary>
    /// The one filter rule: an event not about a ticker always passes; a ticker event passes when its ticker is in
    /// <paramref name="tickers"/>, and never while there is no set yet.
    /// </summary>
    internal static bool Passes(SseEvent e, IReadOnlySet<string>? tickers) =>
        e.Ticker is not { } ticker || (tickers is not null && tickers.Contains(ticker));

    public IDisposable Subscribe(IObserver<SseEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var run = new Run(observer);
        run.Start(_source, _tickers);
        return run;
    }

    /// <summary>One subscription: observes the events and, through <see cref="TickersObserver"/>, the ticker sets.</summary>
    private sealed class Run(IObserver<SseEvent> observer) : IObserver<SseEvent>, IDisposable
    {
        private readonly SingleAssignmentDisposable _sourceSubscription = new();
        private readonly SingleAssignmentDisposable _tickersSubscription = new();

        // Serializes events with the end of the ticker sets (their error), so the observer is never called concurrently.
        private readonly Lock _gate = new();

        // Guarded by _gate.
        private IReadOnlySet<string>? _tickers;
        private bool _stopped;

        public void Start(IObservable<SseEvent> source, IObservable<IReadOnlySet<string>> tickers)
        {
            // Tickers first: a source that replays on subscription is then filtered by a set that is already known.
            _tickersSubscription.Disposable = tickers.Subscribe(new TickersObserver(this));
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }
            }

            _sourceSubscription.Disposable = source.Subscribe(this);
        }

        public void OnNext(SseEvent value)
        {
            lock (_gate)
            {
                if (!_stopped && Passes(value, _tickers))
                {
                    observer.OnNext(value);
                }
            }
        }

        public void OnError(Exception error) => Terminate(error);

        public void OnCompleted() => Terminate(null);

        public void Dispose()
        {
            lock (_gate)
            {
                _stopped = true;
            }

            _tickersSubscription.Dispose();
            _sourceSubscription.Dispose();
        }

        private void SetTickers(IReadOnlySet<string>? tickers)
        {
            lock (_gate)
            {
                _tickers = tickers;
            }
        }

        private void Terminate(Exception? error)
        {
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                _stopped = true;
                if (error is null)
                {
                    observer.OnCompleted();
                }
                else
                {
                    observer.OnError(error);
                }
            }

            _tickersSubscription.Dispose();
            _sourceSubscription.Dispose();
        }

        private sealed class TickersObserver(Run run) : IObserver<IReadOnlySet<string>>
        {
            public void OnNext(IReadOnlySet<string> value) => run.SetTickers(value);

            public void OnError(Exception error) => run.Terminate(error);

            // The last set stays in force: a configuration that stops changing still filters. Only the finished
            // subscription is released.
            public void OnCompleted() => run._tickersSubscription.Dispose();
        }
    }
}
