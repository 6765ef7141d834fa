using System.Reactive.Concurrency;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>
    /// Completes the sequence cleanly once <paramref name="maxLifetime"/> has passed since subscription.
    /// </summary>
    /// <remarks>
    /// The host ends each stream a little before a platform limit (Lambda's 15 minutes), so the client's
    /// <c>EventSource</c> reconnects with its last id and resumes with nothing lost. Values already delivered
    /// are unaffected; errors and earlier completion pass through.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLifetime"/> is not positive.</exception>
    public static IObservable<T> WithMaxLifetime<T>(this IObservable<T> source, TimeSpan maxLifetime, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(maxLifetime, TimeSpan.Zero);
        return new LifetimeObservable<T>(source, maxLifetime, scheduler);
    }

    /// <inheritdoc cref="WithMaxLifetime{T}(IObservable{T}, TimeSpan, IScheduler)"/>
    public static IObservable<T> WithMaxLifetime<T>(this IObservable<T> source, TimeSpan maxLifetime) =>
        source.WithMaxLifetime(maxLifetime, Scheduler.Default);
}
