using System.Reactive.Concurrency;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>Default heartbeat interval: 30 seconds.</summary>
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Emits a heartbeat at subscription, then one whenever <paramref name="interval"/> has passed with nothing emitted.
    /// </summary>
    /// <param name="source">The events.</param>
    /// <param name="interval">The silence after which a heartbeat is sent; default 30 seconds.</param>
    /// <param name="heartbeat">
    /// Makes a heartbeat. It receives the last value forwarded from <paramref name="source"/>
    /// (<see langword="default"/> before the first), so a heartbeat can carry the last resume point.
    /// An exception it throws ends the sequence with <c>OnError</c>.
    /// </param>
    /// <param name="scheduler">Where the silence is timed.</param>
    /// <remarks>
    /// One timer per subscription, rescheduled only when it fires, so values pass through without allocating.
    /// Completion and errors of the source pass through and stop the heartbeats.
    /// </remarks>
    public static IObservable<T> WithHeartbeat<T>(
        this IObservable<T> source, TimeSpan interval, Func<T?, T> heartbeat, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(heartbeat);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        throw new NotImplementedException();
    }

    /// <inheritdoc cref="WithHeartbeat{T}(IObservable{T}, TimeSpan, Func{T, T}, IScheduler)"/>
    public static IObservable<T> WithHeartbeat<T>(this IObservable<T> source, TimeSpan interval, Func<T?, T> heartbeat) =>
        source.WithHeartbeat(interval, heartbeat, Scheduler.Default);
}
