using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SseRx;

/// <summary>The observable behind <see cref="SseObservable.WithMaxLifetime{T}(IObservable{T}, TimeSpan, IScheduler)"/>.</summary>
/// <remarks>
/// Not Rx's <c>Take(TimeSpan)</c>: that one completes and disposes its source while holding the lock it takes for every
/// value, so a lifetime ending during a delivery could deadlock against the operators around it. Here the timer (or a
/// visit of the <see cref="StreamClock"/>) only signals; the completion is made in the serializer's drain, after any
/// value in flight, with no lock held.
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

    private sealed class Run(IObserver<T> observer, StreamClock? clock) : SignalSerializer<T>(observer), IClockTarget
    {
        private const int Expired = 1;

        private readonly SingleAssignmentDisposable _timer = new();
        private long _deadlineTicks;
        private int _clockSlot = -1;

        public void Start(IObservable<T> source, TimeSpan maxLifetime, IScheduler scheduler)
        {
            if (clock is null)
            {
                _timer.Disposable = scheduler.Schedule(this, maxLifetime, static (_, self) =>
                {
                    self.Signal(Expired);
                    return Disposable.Empty;
                });
            }
            else
            {
                Interlocked.Exchange(ref _deadlineTicks, (scheduler.Now + maxLifetime).UtcTicks);
                var slot = clock.Register(this);
                Volatile.Write(ref _clockSlot, slot);
                if (IsDone && Interlocked.Exchange(ref _clockSlot, -1) == slot)
                {
                    // Disposed while registering: OnDisposed may have run before the slot was known.
                    clock.Unregister(slot, this);
                }
            }

            SubscribeTo(source);
        }

        /// <summary>A visit of the shared clock: signals once the deadline has passed.</summary>
        public void OnTick(DateTimeOffset now)
        {
            if (now.UtcTicks >= Interlocked.Read(ref _deadlineTicks))
            {
                Signal(Expired);
            }
        }

        protected override void OnSignals(int signals) => Complete(null);

        protected override void OnDisposed()
        {
            _timer.Dispose();
            var slot = Interlocked.Exchange(ref _clockSlot, -1);
            if (slot >= 0)
            {
                clock!.Unregister(slot, this);
            }
        }
    }
}
