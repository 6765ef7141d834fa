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
    /// <item>A fetch that fails synchronously, returns a faulted or cancelled task, or returns <see langword="null"/> counts as a failure.
    /// <see cref="PollOptions.IsTransient"/> decides its kind; an exception thrown by <see cref="PollOptions.IsTransient"/> itself ends the sequence with <c>OnError</c>.</item>
    /// <item>Disposing the subscription cancels a fetch in flight through its <see cref="CancellationToken"/>; nothing is emitted or
    /// reported after disposal, whatever that fetch then does.</item>
    /// <item>A result is emitted on the thread that completes the fetch's task; the next fetch runs on <paramref name="scheduler"/>.
    /// The first fetch is scheduled on <paramref name="scheduler"/> at subscription.</item>
    /// <item><paramref name="options"/> is validated and read once, here; later edits to it have no effect.</item>
    /// </list>
    /// The result is cold: each subscription polls on its own. Use <see cref="ShareSource{T}"/> to poll once per process.
    /// </remarks>
    /// <param name="fetch">Fetches one result; receives a token cancelled when the subscription is disposed.</param>
    /// <param name="options">Interval, backoff and failure classification.</param>
    /// <param name="health">Receives every state change, if given.</param>
    /// <param name="scheduler">Where fetches are scheduled and time (<see cref="PollStatus.LastSuccess"/>) is read.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="options"/> fails <see cref="PollOptions.Validate"/>.</exception>
    public static IObservable<T> Poll<T>(
        Func<CancellationToken, Task<T>> fetch, PollOptions options, PollHealth? health, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        return new PollObservable<T>(fetch, options, health, scheduler);
    }

    /// <inheritdoc cref="Poll{T}(Func{CancellationToken, Task{T}}, PollOptions, PollHealth?, IScheduler)"/>
    public static IObservable<T> Poll<T>(Func<CancellationToken, Task<T>> fetch, PollOptions options, PollHealth? health = null) =>
        Poll(fetch, options, health, Scheduler.Default);
}
