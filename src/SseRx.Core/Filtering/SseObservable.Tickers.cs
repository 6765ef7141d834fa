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
    /// </param>
    public static IObservable<SseEvent> WhereTickers(this IObservable<SseEvent> source, IObservable<IReadOnlySet<string>> tickers)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tickers);
        throw new NotImplementedException();
    }

    /// <summary>Passes events about <paramref name="tickers"/> and every event not about a ticker.</summary>
    public static IObservable<SseEvent> WhereTickers(this IObservable<SseEvent> source, IReadOnlySet<string> tickers)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tickers);
        throw new NotImplementedException();
    }
}
