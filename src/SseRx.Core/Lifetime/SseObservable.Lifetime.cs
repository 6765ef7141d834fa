using System.Reactive.Concurrency;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>
    /// Completes the sequence cleanly once <paramref name="maxLifetime"/> has passed since subscription.
    /// </summary>
    /// <param name="source">One connection's events.</param>
    /// <param name="maxLifetime">
    /// How long after subscription the sequence completes, on <paramref name="scheduler"/>'s clock. No default: the
    /// host uses 14 minutes 30 seconds, below Lambda's 15-minute limit.
    /// </param>
    /// <param name="scheduler">Where the lifetime is timed.</param>
    /// <remarks>
    /// The host ends each stream a little before a platform limit (Lambda's 15 minutes), so the client's
    /// <c>EventSource</c> reconnects with its last id and resumes with nothing lost. Values already delivered
    /// are unaffected; errors and earlier completion pass through. One timer per subscription; values are
    /// serialized with it. Disposing the subscription cancels the timer and disposes the source subscription.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLifetime"/> is not positive.</exception>
    public static IObservable<T> WithMaxLifetime<T>(this IObservable<T> source, TimeSpan maxLifetime, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxLifetime, TimeSpan.Zero);
        return new LifetimeObservable<T>(source, maxLifetime, scheduler);
    }

    /// <summary>
    /// Completes the sequence cleanly once <paramref name="maxLifetime"/> has passed since subscription, timed by a
    /// <see cref="StreamClock"/> shared with other streams instead of a timer of its own.
    /// </summary>
    /// <param name="source">One connection's events.</param>
    /// <param name="maxLifetime">How long after subscription the sequence completes, on the clock's scheduler.</param>
    /// <param name="clock">The shared clock.</param>
    /// <remarks>
    /// Behaves as the <see cref="IScheduler"/> overload, except that the sequence completes on the first visit of the
    /// clock at or after the deadline: up to <see cref="StreamClock.Resolution"/> late.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLifetime"/> is not positive.</exception>
    public static IObservable<T> WithMaxLifetime<T>(this IObservable<T> source, TimeSpan maxLifetime, StreamClock clock)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxLifetime, TimeSpan.Zero);
        return new LifetimeObservable<T>(source, maxLifetime, clock.Scheduler, clock);
    }

    /// <inheritdoc cref="WithMaxLifetime{T}(IObservable{T}, TimeSpan, IScheduler)"/>
    public static IObservable<T> WithMaxLifetime<T>(this IObservable<T> source, TimeSpan maxLifetime) =>
        source.WithMaxLifetime(maxLifetime, Scheduler.Default);
}
