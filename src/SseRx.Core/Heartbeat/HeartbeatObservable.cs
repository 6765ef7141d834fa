using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SseRx;

/// <summary>
/// The observable behind <see cref="SseObservable.WithHeartbeat{T}(IObservable{T}, TimeSpan, Func{T, T}, IScheduler)"/>
/// (a timer per subscription) and its <see cref="StreamClock"/> overload (no timer: the shared clock visits it).
/// </summary>
internal sealed class HeartbeatObservable<T>(IObservable<T> source, TimeSpan interval, Func<T?, T> heartbeat, IScheduler scheduler, StreamClock? clock = null)
    : IObservable<T>
{
    private readonly IObservable<T> _source = source;
    private readonly TimeSpan _interval = interval;
    private readonly Func<T?, T> _heartbeat = heartbeat;
    private readonly IScheduler _scheduler = clock?.Scheduler ?? scheduler;
    private readonly StreamClock? _clock = clock;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var run = new Run(this, observer);
        run.Start();
        return run;
    }

    /// <summary>
    /// One subscription. Without a clock it owns a single timer that is never moved by a value: a value only records
    /// the time, and when the timer fires it either sends a heartbeat or re-arms itself for the end of the current
    /// silence. With a clock it owns no timer: each visit of the clock checks the silence the same way.
    /// </summary>
    private sealed class Run(HeartbeatObservable<T> parent, IObserver<T> observer) : IObserver<T>, IDisposable, IClockTarget
    {
        // The slot in the shared clock, or -1 (no clock, not registered yet, or the clock is disposed).
        private int _clockSlot = -1;

        private readonly SingleAssignmentDisposable _upstream = new();

        // Serializes values, timer callbacks and disposal, so the observer is never called concurrently.
        private readonly Lock _gate = new();

        // All below guarded by _gate.
        private IDisposable? _timer;
        private bool _stopped;
        private T? _last;
        private DateTimeOffset _lastEmission;

        public void Start()
        {
            lock (_gate)
            {
                // The connect heartbeat goes first, before the source can emit anything.
                if (!TryBeat())
                {
                    return;
                }

                if (parent._clock is { } clock && !_stopped)
                {
                    // Registering never calls out, so it is safe under the lock; Stop unregisters under it too.
                    _clockSlot = clock.Register(this);
                }
            }

            _upstream.Disposable = parent._source.Subscribe(this);
        }

        /// <summary>A visit of the shared clock: beats if the stream has been silent for the interval.</summary>
        public void OnTick(DateTimeOffset now)
        {
            var failed = false;
            lock (_gate)
            {
                if (_stopped || now - _lastEmission < parent._interval)
                {
                    return;
                }

                failed = !TryBeat();
            }

            if (failed)
            {
                _upstream.Dispose();
            }
        }

        public void OnNext(T value)
        {
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                _last = value;
                _lastEmission = parent._scheduler.Now;
                observer.OnNext(value);
            }
        }

        public void OnError(Exception error)
        {
            lock (_gate)
            {
                if (!Stop())
                {
                    return;
                }

                observer.OnError(error);
            }

            _upstream.Dispose();
        }

        public void OnCompleted()
        {
            lock (_gate)
            {
                if (!Stop())
                {
                    return;
                }

                observer.OnCompleted();
            }

            _upstream.Dispose();
        }

        public void Dispose()
        {
            lock (_gate)
            {
                Stop();
            }

            _upstream.Dispose();
        }

        private IDisposable Tick()
        {
            var failed = false;
            lock (_gate)
            {
                if (_stopped)
                {
                    return Disposable.Empty;
                }

                var now = parent._scheduler.Now;
                var silentFor = now - _lastEmission;
                if (silentFor >= parent._interval)
                {
                    failed = !TryBeat();
                }
                else
                {
                    _timer = parent._scheduler.Schedule(this, parent._interval - silentFor, static (_, self) => self.Tick());
                }
            }

            if (failed)
            {
                _upstream.Dispose();
            }

            return Disposable.Empty;
        }

        /// <summary>Sends a heartbeat and arms the timer for a full interval; on a factory error, stops with OnError. Call under the lock.</summary>
        private bool TryBeat()
        {
            T beat;
            try
            {
                beat = parent._heartbeat(_last);
            }
            catch (Exception ex)
            {
                Stop();
                observer.OnError(ex);
                return false;
            }

            _lastEmission = parent._scheduler.Now;
            observer.OnNext(beat);

            // The observer may have disposed this subscription from OnNext. With a clock, the clock does the timing.
            if (!_stopped && parent._clock is null)
            {
                _timer = parent._scheduler.Schedule(this, parent._interval, static (_, self) => self.Tick());
            }

            return true;
        }

        /// <summary>Marks the run stopped and cancels the timer; false if it already was. Call under the lock.</summary>
        private bool Stop()
        {
            if (_stopped)
            {
                return false;
            }

            _stopped = true;
            _timer?.Dispose();
            _timer = null;
            parent._clock?.Unregister(_clockSlot, this);
            _clockSlot = -1;
            return true;
        }
    }
}
