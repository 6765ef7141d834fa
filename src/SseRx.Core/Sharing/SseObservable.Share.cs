using System.Reactive.Linq;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>
    /// Shares one subscription to <paramref name="source"/> between every subscriber: the source (for example a
    /// poller) is subscribed once when the first subscriber arrives and disposed when the last one leaves.
    /// </summary>
    /// <param name="source">The sequence to share, typically a poller.</param>
    /// <remarks>
    /// Subscribers that arrive late see only later values; put a journal behind it for replay. Thread-safe: subscribers
    /// may come and go on any thread. Each value is delivered to the subscribers one after another, on the thread the
    /// source emits it on. After the last subscriber leaves, the next one subscribes to the source again.
    /// </remarks>
    public static IObservable<T> ShareSource<T>(this IObservable<T> source)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.Publish().RefCount();
    }

    /// <summary>
    /// Change detection for snapshots: emits the first snapshot, then only snapshots that differ by value from
    /// the previous one. A poll that fails emits nothing, so a failure can never produce a false update.
    /// </summary>
    /// <param name="source">The snapshots.</param>
    /// <param name="comparer">How snapshots are compared; <see cref="EqualityComparer{T}.Default"/> when <see langword="null"/>.</param>
    /// <remarks>
    /// Each subscription keeps a reference to the last snapshot it passed on, and compares each new one with it.
    /// Put it before <see cref="ShareSource{T}"/> so the comparison runs once per process, not per subscriber.
    /// An exception thrown by <paramref name="comparer"/> ends the sequence with <c>OnError</c>.
    /// </remarks>
    public static IObservable<T> DistinctSnapshots<T>(this IObservable<T> source, IEqualityComparer<T>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.DistinctUntilChanged(comparer ?? EqualityComparer<T>.Default);
    }
}
