using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Runtime.ExceptionServices;

namespace SseRx;

/// <summary>
/// One timer for the heartbeats and lifetimes of every stream in a process, instead of one or two per stream.
/// </summary>
/// <remarks>
/// <para>
/// Pass it to <see cref="SseObservable.WithHeartbeat{T}(IObservable{T}, TimeSpan, Func{T, T}, StreamClock, HeartbeatMode)"/> and
/// <see cref="SseObservable.WithMaxLifetime{T}(IObservable{T}, TimeSpan, StreamClock)"/>. Every
/// <see cref="Resolution"/> the clock visits each registered subscription once; a subscription that has been silent
/// for its interval sends a heartbeat, one past its lifetime completes. So a heartbeat or an end is due at most one
/// resolution late, and a stream costs the clock one array slot: no timer, nothing allocated per tick.
/// </para>
/// <para>
/// The timer runs only while subscriptions are registered, and it re-arms after each visit ends, so visits never
/// overlap. Joining and leaving are O(1) (a leave frees its slot for the next join). A visit holds no lock while it
/// calls subscriptions, so a subscription may leave, or another join, from inside its own tick. If a subscription's
/// tick throws (its observer threw), the visit still reaches every other subscription, re-arms, and then rethrows
/// the first exception on the scheduler, as a per-subscription timer would.
/// </para>
/// <para>
/// Thread-safe. Disposing stops the timer: registered subscriptions get no more heartbeats and no longer end at
/// their lifetime, and later ones never do. Dispose it after the streams that use it have ended.
/// </para>
/// </remarks>
public sealed class StreamClock : IDisposable
{
    /// <summary>Default <see cref="Resolution"/>: one second.</summary>
    public static readonly TimeSpan DefaultResolution = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly SerialDisposable _timer = new();

    // Under _gate, except that a visit reads _slots (a snapshot of the array) without it: writes to a slot are single
    // reference writes, and a visit that sees a stale slot calls a subscription that has just left, which ignores it.
    private IClockTarget?[] _slots = new IClockTarget?[16];
    private int _slotsUsed;
    private int _count;
    private readonly Stack<int> _free = new();
    private bool _running;
    private bool _disposed;

    /// <summary>Creates a clock that visits its subscriptions every <paramref name="resolution"/>.</summary>
    /// <param name="scheduler">The clock and timer; the same one the streams' other operators use.</param>
    /// <param name="resolution">
    /// How often subscriptions are visited; the most a heartbeat or an end can be late. Default one second
    /// (<see cref="DefaultResolution"/>); keep it well below the heartbeat interval.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="resolution"/> is not positive.</exception>
    public StreamClock(IScheduler scheduler, TimeSpan resolution)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(resolution, TimeSpan.Zero);
        Scheduler = scheduler;
        Resolution = resolution;
    }

    /// <summary>Creates a clock with the <see cref="DefaultResolution"/> of one second.</summary>
    /// <param name="scheduler">The clock and timer.</param>
    public StreamClock(IScheduler scheduler)
        : this(scheduler, DefaultResolution)
    {
    }

    /// <summary>The scheduler whose clock and timer this uses.</summary>
    public IScheduler Scheduler { get; }

    /// <summary>How often subscriptions are visited.</summary>
    public TimeSpan Resolution { get; }

    /// <summary>The subscriptions registered now (each heartbeat or lifetime subscription counts once).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Stops the timer. Idempotent.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _running = false;
        }

        _timer.Dispose();
    }

    /// <summary>Registers a target for visits; returns its slot, or -1 once the clock is disposed.</summary>
    internal int Register(IClockTarget target)
    {
        var start = false;
        int slot;
        lock (_gate)
        {
            if (_disposed)
            {
                return -1;
            }

            if (!_free.TryPop(out slot))
            {
                if (_slotsUsed == _slots.Length)
                {
                    // A visit in progress keeps walking the old array; the new one is seen by the next visit.
                    var larger = new IClockTarget?[_slots.Length * 2];
                    Array.Copy(_slots, larger, _slotsUsed);
                    _slots = larger;
                }

                slot = _slotsUsed++;
            }

            _slots[slot] = target;
            _count++;
            if (!_running)
            {
                _running = true;
                start = true;
            }
        }

        if (start)
        {
            Arm();
        }

        return slot;
    }

    /// <summary>Frees <paramref name="slot"/> if <paramref name="target"/> still holds it. Never calls out.</summary>
    internal void Unregister(int slot, IClockTarget target)
    {
        lock (_gate)
        {
            if (slot < 0 || slot >= _slotsUsed || !ReferenceEquals(_slots[slot], target))
            {
                return;
            }

            _slots[slot] = null;
            _free.Push(slot);
            if (--_count == 0)
            {
                // Start over from a small array once nobody is left, so a past peak holds no memory.
                _slots = new IClockTarget?[16];
                _slotsUsed = 0;
                _free.Clear();
            }
        }
    }

    private void Arm() =>
        _timer.Disposable = Scheduler.Schedule(this, Resolution, static (_, clock) =>
        {
            clock.Visit();
            return Disposable.Empty;
        });

    private void Visit()
    {
        IClockTarget?[] slots;
        int used;
        lock (_gate)
        {
            if (_disposed || _count == 0)
            {
                _running = false;
                return;
            }

            slots = _slots;
            used = _slotsUsed;
        }

        var now = Scheduler.Now;
        ExceptionDispatchInfo? failure = null;
        for (var i = 0; i < used; i++)
        {
            var target = Volatile.Read(ref slots[i]);
            if (target is null)
            {
                continue;
            }

            try
            {
                target.OnTick(now);
            }
#pragma warning disable CA1031 // Rethrown below, once every other subscription has had its tick.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                failure ??= ExceptionDispatchInfo.Capture(ex);
            }
        }

        bool again;
        lock (_gate)
        {
            again = !_disposed && _count > 0;
            _running = again;
        }

        if (again)
        {
            Arm();
        }

        failure?.Throw();
    }
}

/// <summary>A subscription a <see cref="StreamClock"/> visits.</summary>
internal interface IClockTarget
{
    /// <summary>Called once per visit, never concurrently with another visit; may be called once after leaving.</summary>
    void OnTick(DateTimeOffset now);
}
