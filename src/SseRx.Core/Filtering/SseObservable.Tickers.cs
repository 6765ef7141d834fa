using System.Reactive.Linq;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>
    /// Passes events about the given tickers, and every event that is not about a ticker
    /// (<see cref="SseEvent.Ticker"/> is <see langword="null"/>: heartbeats, metrics, resyncs).
    /// </summary>
    /// <param name="source">The events.</param>
    /// <param name="tickers">
    /// The ticker sets to filter by. The latest set applies from the moment it arrives, so an edited
    /// configuration changes an open stream without a reconnect. Ticker events before the first set are dropped.
    /// An error or completion of <paramref name="tickers"/>: an error ends the sequence; completion keeps the last set.
    /// A <see langword="null"/> set drops every ticker event, like no set at all. Membership uses the set's own comparer.
    /// </param>
    /// <remarks>
    /// <paramref name="tickers"/> is subscribed before <paramref name="source"/>, so a set it replays on subscription
    /// (a <c>BehaviorSubject</c>, say) already applies to the first events. Events and the end of the ticker sets are
    /// serialized; filtering an event allocates nothing. Completion and errors of <paramref name="source"/> pass through.
    /// Disposing the subscription, or either sequence ending the result, disposes both subscriptions.
    /// </remarks>
    public static IObservable<SseEvent> WhereTickers(this IObservable<SseEvent> source, IObservable<IReadOnlySet<string>> tickers)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tickers);
        return new TickerFilterObservable(source, tickers);
    }

    /// <summary>Passes events about <paramref name="tickers"/> and every event not about a ticker.</summary>
    /// <param name="source">The events.</param>
    /// <param name="tickers">
    /// The tickers to pass, compared with the set's own comparer. The set is not copied: it must not change
    /// while the result is subscribed.
    /// </param>
    public static IObservable<SseEvent> WhereTickers(this IObservable<SseEvent> source, IReadOnlySet<string> tickers)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tickers);
        return source.Where(e => TickerFilterObservable.Passes(e, tickers));
    }
}
