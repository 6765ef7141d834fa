using System.Reactive.Linq;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>
    /// Shares one subscription to <paramref name="source"/> between every subscriber: the source (for example a
    /// poller) is subscribed once when the first subscriber arrives and disposed when the last one leaves.
    /// </summary>
    /// <remarks>Subscribers that arrive late see only later values; put a journal behind it for replay.</remarks>
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
    public static IObservable<T> DistinctSnapshots<T>(this IObservable<T> source, IEqualityComparer<T>? comparer = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        return source.DistinctUntilChanged(comparer ?? EqualityComparer<T>.Default);
    }
}
