using System.Reactive.Concurrency;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>
    /// Runs <paramref name="fetch"/> every <see cref="PollOptions.Interval"/> and emits each result.
    /// </summary>
    /// <remarks>
    /// <list type="bullet">
    /// <item>The first fetch starts at subscription. Fetches never overlap: the next is scheduled when the previous one ends.</item>
    /// <item>A failed fetch never ends the sequence. The next attempt waits <see cref="PollOptions.InitialBackoff"/>,
    /// doubling per consecutive failure up to <see cref="PollOptions.MaxBackoff"/>; the first success restores the interval.</item>
    /// <item>Every state change is reported on <paramref name="health"/>.</item>
    /// <item>Disposing the subscription cancels a fetch in flight through its <see cref="CancellationToken"/>.</item>
    /// </list>
    /// The result is cold: each subscription polls on its own. Use <see cref="ShareSource{T}"/> to poll once per process.
    /// </remarks>
    public static IObservable<T> Poll<T>(
        Func<CancellationToken, Task<T>> fetch, PollOptions options, PollHealth? health, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        throw new NotImplementedException();
    }

    /// <inheritdoc cref="Poll{T}(Func{CancellationToken, Task{T}}, PollOptions, PollHealth?, IScheduler)"/>
    public static IObservable<T> Poll<T>(Func<CancellationToken, Task<T>> fetch, PollOptions options, PollHealth? health = null) =>
        Poll(fetch, options, health, Scheduler.Default);
}
