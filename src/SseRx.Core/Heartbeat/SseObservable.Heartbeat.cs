using System.Reactive.Concurrency;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>Default heartbeat interval: 30 seconds.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Emits a heartbeat at subscription, then one every <paramref name="interval"/> (or, with
    /// <see cref="HeartbeatMode.WhenIdle"/>, one whenever <paramref name="interval"/> has passed with nothing emitted).
    /// </summary>
    /// <param name="source">The events.</param>
    /// <param name="interval">The time between heartbeats (or the silence after which one is sent); SseRx uses 30 seconds.</param>
    /// <param name="heartbeat">
    /// Makes a heartbeat. It receives the last value forwarded from <paramref name="source"/>
    /// (<see langword="default"/> before the first), so a heartbeat can carry the last resume point.
    /// An exception it throws ends the sequence with <c>OnError</c>.
    /// </param>
    /// <param name="scheduler">Where the heartbeats are timed.</param>
    /// <param name="mode">Every interval (the default), or only after an interval of silence.</param>
    /// <remarks>
    /// <para>
    /// The connect heartbeat is emitted synchronously during <c>Subscribe</c>, before <paramref name="source"/> is subscribed
    /// (if the factory throws then, the sequence ends with <c>OnError</c> and the source is never subscribed). The
    /// next is due <paramref name="interval"/> after the last heartbeat or, with <see cref="HeartbeatMode.WhenIdle"/>, after
    /// the last emission, by <paramref name="scheduler"/>'s clock.
    /// </para>
    /// <para>
    /// One timer per subscription, rescheduled only when it fires, so values pass through without allocating.
    /// Values and heartbeats are serialized without a lock: the observer is never called concurrently, and never while
    /// a lock is held. Completion and errors of the source pass through and stop the heartbeats. Disposing the
    /// subscription cancels the timer and disposes the source subscription.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive, or <paramref name="mode"/> is not defined.</exception>
    public static IObservable<T> WithHeartbeat<T>(
        this IObservable<T> source, TimeSpan interval, Func<T?, T> heartbeat, IScheduler scheduler, HeartbeatMode mode = HeartbeatMode.Periodic)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        CheckMode(mode);
        return new HeartbeatObservable<T>(source, interval, heartbeat, scheduler, mode);
    }

    /// <summary>
    /// Emits a heartbeat at subscription, then one every <paramref name="interval"/> (or after an interval of silence),
    /// timed by a <see cref="StreamClock"/> shared with other streams instead of a timer of its own.
    /// </summary>
    /// <param name="source">The events.</param>
    /// <param name="interval">The time between heartbeats (or the silence after which one is sent).</param>
    /// <param name="heartbeat">
    /// Makes a heartbeat from the last value forwarded (<see langword="default"/> before the first). An exception it
    /// throws ends the sequence with <c>OnError</c>.
    /// </param>
    /// <param name="clock">The shared clock; its scheduler is the time.</param>
    /// <param name="mode">Every interval (the default), or only after an interval of silence.</param>
    /// <remarks>
    /// Behaves as the <see cref="IScheduler"/> overload, except that a heartbeat is sent on the first visit of the clock
    /// at or after it is due: up to <see cref="StreamClock.Resolution"/> late. In exchange a subscription owns no timer,
    /// so a process with many streams has one timer instead of one per stream.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="interval"/> is not positive, or <paramref name="mode"/> is not defined.</exception>
    public static IObservable<T> WithHeartbeat<T>(
        this IObservable<T> source, TimeSpan interval, Func<T?, T> heartbeat, StreamClock clock, HeartbeatMode mode = HeartbeatMode.Periodic)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        CheckMode(mode);
        return new HeartbeatObservable<T>(source, interval, heartbeat, clock.Scheduler, mode, clock);
    }

    /// <inheritdoc cref="WithHeartbeat{T}(IObservable{T}, TimeSpan, Func{T, T}, IScheduler, HeartbeatMode)"/>
    public static IObservable<T> WithHeartbeat<T>(this IObservable<T> source, TimeSpan interval, Func<T?, T> heartbeat) =>
        source.WithHeartbeat(interval, heartbeat, Scheduler.Default);

    private static void CheckMode(HeartbeatMode mode)
    {
        if (mode is not (HeartbeatMode.Periodic or HeartbeatMode.WhenIdle))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a HeartbeatMode.");
        }
    }
}
