using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SseRx;

/// <summary>The observable behind <see cref="SseObservable.WithMaxLifetime{T}(IObservable{T}, TimeSpan, IScheduler)"/>.</summary>
/// <remarks>
/// Rx's <c>Take(TimeSpan)</c> completes and disposes its source while holding the lock it also takes for every value.
/// Behind <c>WithHeartbeat</c>, which holds its own lock while it forwards a value (and whose disposal takes that
/// lock), a stream whose lifetime ends while a value is being delivered to it deadlocked: the timer held Take's lock
/// and waited for the heartbeat's, the delivering thread the other way round; when that thread was the journal's
/// fan-out, every stream in the process froze. Here the end is only marked under the lock (so it waits for a value
/// in flight and no value follows it); completing and disposing happen outside it.
/// With a <see cref="StreamClock"/> there is no timer: each visit of the clock compares its time with the deadline.
/// </remarks>
internal sealed class LifetimeObservable<T>(IObservable<T> source, TimeSpan maxLifetime, IScheduler scheduler, StreamClock? clock = null)
    : IObservable<T>
{
    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var run = new Run(observer, clock);
        run.Start(source, maxLifetime, clock?.Scheduler ?? scheduler);
        return run;
    }

    private sealed class Run(IObserver<T> observer, StreamClock? clock) : IObserver<T>, IDisposable, IClockTarget
    {
        private readonly Lock _gate = new();
        private readonly SingleAssignmentDisposable _timer = new();
        private readonly SingleAssignmentDisposable _upstream = new();
        private bool _done;
        private DateTimeOffset _deadline;
        private int _clockSlot = -1;
        private int _disposed;

        public void Start(IObservable<T> source, TimeSpan maxLifetime, IScheduler scheduler)
        {
            if (clock is null)
            {
                _timer.Disposable = scheduler.Schedule(this, maxLifetime, static (_, self) =>
                {
                    self.End(null);
                    return Disposable.Empty;
                });
            }
            else
            {
                _deadline = scheduler.Now + maxLifetime;
                var slot = clock.Register(this);
                Volatile.Write(ref _clockSlot, slot);

                // Disposed while registering: undo it (Dispose may have run before the slot was known).
                if (Volatile.Read(ref _disposed) != 0)
                {
                    clock.Unregister(slot, this);
                }
            }

            _upstream.Disposable = source.Subscribe(this);
        }

        /// <summary>A visit of the shared clock: ends the sequence once the deadline has passed.</summary>
        public void OnTick(DateTimeOffset now)
        {
            if (now >= _deadline)
            {
                End(null);
            }
        }

        public void OnNext(T value)
        {
            lock (_gate)
            {
                if (!_done)
                {
                    observer.OnNext(value);
                }
            }
        }

        public void OnError(Exception error) => End(error);

        public void OnCompleted() => End(null);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                clock?.Unregister(Volatile.Read(ref _clockSlot), this);
            }

            _timer.Dispose();
            _upstream.Dispose();
        }

        private void End(Exception? error)
        {
            lock (_gate)
            {
                if (_done)
                {
                    return;
                }

                _done = true;
            }

            // Outside the lock: the observer may dispose this subscription from here, and disposing the source takes
            // the source's own lock.
            if (error is null)
            {
                observer.OnCompleted();
            }
            else
            {
                observer.OnError(error);
            }

            Dispose();
        }
    }
}
