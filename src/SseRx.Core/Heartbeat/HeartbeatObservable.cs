using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SseRx;

/// <summary>
/// The observable behind <see cref="SseObservable.WithHeartbeat{T}(IObservable{T}, TimeSpan, Func{T, T}, IScheduler, HeartbeatMode)"/>
/// (a timer per subscription) and its <see cref="StreamClock"/> overload (no timer: the shared clock visits it).
/// </summary>
internal sealed class HeartbeatObservable<T>(
    IObservable<T> source, TimeSpan interval, Func<T?, T> heartbeat, IScheduler scheduler, HeartbeatMode mode, StreamClock? clock = null)
    : IObservable<T>
{
    private readonly IObservable<T> _source = source;
    private readonly TimeSpan _interval = interval;
    private readonly Func<T?, T> _heartbeat = heartbeat;
    private readonly HeartbeatMode _mode = mode;
    private readonly StreamClock? _clock = clock;
    private readonly IScheduler _scheduler = clock?.Scheduler ?? scheduler;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var run = new Run(this, observer);
        run.Start();
        return run;
    }

    /// <summary>
    /// One subscription. A timer or a clock visit only compares the time with when the next heartbeat is due and, if it
    /// is, signals; the heartbeat itself is made and sent in the serializer's drain, which re-checks the due time (so two
    /// signals never make two heartbeats) and sets the next one. No lock is held while the observer or the factory runs.
    /// </summary>
    private sealed class Run(HeartbeatObservable<T> parent, IObserver<T> observer) : SignalSerializer<T>(observer), IClockTarget
    {
        private const int Beat = 1;

        private readonly SerialDisposable _timer = new();

        // The slot in the shared clock, or -1 (no clock, not registered yet, or left).
        private int _clockSlot = -1;

        // When the next heartbeat is due, in UTC ticks: written in the drain, read by timers and clock visits.
        private long _dueTicks;

        // Written and read only in the drain.
        private T? _last;

        private bool Idle => parent._mode == HeartbeatMode.WhenIdle;

        public void Start()
        {
            // The connect heartbeat goes first, before the source can emit anything: nothing else runs yet, so this
            // drains inline. If the factory throws, the sequence has ended and the source is never subscribed.
            Signal(Beat);
            if (IsDone)
            {
                return;
            }

            if (parent._clock is { } clock)
            {
                var slot = clock.Register(this);
                Volatile.Write(ref _clockSlot, slot);
                if (IsDone && Interlocked.Exchange(ref _clockSlot, -1) == slot)
                {
                    // Ended or disposed while registering: OnDisposed may have run before the slot was known.
                    clock.Unregister(slot, this);
                }
            }

            SubscribeTo(parent._source);
        }

        /// <summary>A visit of the shared clock.</summary>
        public void OnTick(DateTimeOffset now)
        {
            if (now.UtcTicks >= Interlocked.Read(ref _dueTicks))
            {
                Signal(Beat);
            }
        }

        protected override void OnForwarding(T value)
        {
            _last = value;
            if (Idle)
            {
                // Silence is measured from the last emission.
                Interlocked.Exchange(ref _dueTicks, (parent._scheduler.Now + parent._interval).UtcTicks);
            }
        }

        protected override void OnSignals(int signals)
        {
            var now = parent._scheduler.Now;
            if (now.UtcTicks < Interlocked.Read(ref _dueTicks))
            {
                // A value arrived since the timer decided (idle mode), or a second signal for a heartbeat already sent.
                ArmTimer(now);
                return;
            }

            T beat;
            try
            {
                beat = parent._heartbeat(_last);
            }
            catch (Exception ex)
            {
                Complete(ex);
                return;
            }

            Interlocked.Exchange(ref _dueTicks, (now + parent._interval).UtcTicks);
            Emit(beat);
            ArmTimer(now);
        }

        protected override void OnDisposed()
        {
            _timer.Dispose();
            var slot = Interlocked.Exchange(ref _clockSlot, -1);
            if (slot >= 0)
            {
                parent._clock!.Unregister(slot, this);
            }
        }

        /// <summary>Without a clock: a timer for when the next heartbeat is due (in the drain, so never two at once).</summary>
        private void ArmTimer(DateTimeOffset now)
        {
            if (parent._clock is not null || IsDone)
            {
                return;
            }

            var wait = new DateTimeOffset(Interlocked.Read(ref _dueTicks), TimeSpan.Zero) - now;
            _timer.Disposable = parent._scheduler.Schedule(this, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, static (_, self) =>
            {
                self.OnTimer();
                return Disposable.Empty;
            });
        }

        /// <summary>
        /// The timer fired: the drain beats if the heartbeat is due, or, when a value moved the due time (idle mode),
        /// re-arms for the rest of the silence. Values never move the timer themselves.
        /// </summary>
        private void OnTimer() => Signal(Beat);
    }
}
