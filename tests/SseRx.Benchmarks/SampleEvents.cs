extern alias Host;

using Host::SseRx.Host.Sentiment;

namespace SseRx.Benchmarks;

/// <summary>Realistic payloads, the same shapes the simulator produces.</summary>
internal static class SampleEvents
{
    public static readonly DateTimeOffset Epoch = new(2026, 1, 5, 14, 30, 0, TimeSpan.Zero);

    private static readonly string[] Tickers = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "TSLA", "META"];

    public static SentimentItem Item(int sequence) =>
        new(
            $"sim-42-{sequence:D8}",
            Tickers[sequence % Tickers.Length],
            (SentimentLabel)(sequence % 3),
            Math.Round(Math.Sin(sequence) * 0.9, 3),
            Epoch.AddMilliseconds(sequence * 10L));

    public static MetricsSnapshot Metrics(int total)
    {
        var byTag = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Tickers.Length; i++)
        {
            byTag[Tickers[i]] = (total / Tickers.Length) + (i < total % Tickers.Length ? 1 : 0);
        }

        return new MetricsSnapshot(total, total / 2, total / 3, total - (total / 2) - (total / 3), byTag, total / 24.0, total / 24.0);
    }

    /// <summary>new_item events with strictly increasing ids, 10 ms apart.</summary>
    public static SseEvent[] NewItems(int count) =>
        Enumerable.Range(0, count).Select(i => SentimentEvents.NewItem(Item(i))).ToArray();
}
