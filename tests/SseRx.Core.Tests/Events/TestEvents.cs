using System.Reactive;
using SseRx.Sentiment;
using SseRx.Tests.Testing;

namespace SseRx.Tests.Events;

/// <summary>Small factories for real, serialized events with chosen ids.</summary>
internal static class TestEvents
{
    /// <summary>A <c>new_item</c> whose id is <c>{ms:D13}-{key}</c>.</summary>
    public static SseEvent Item(long unixMilliseconds, string key, string ticker = "AAPL") =>
        SentimentEvents.NewItem(new SentimentItem(
            key, ticker, SentimentLabel.Positive, 0.5, DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds)));

    /// <summary>A <c>metrics</c> event whose id is <c>{ms:D13}-~metrics</c>.</summary>
    public static SseEvent Metrics(long unixMilliseconds, int total = 1) =>
        SentimentEvents.Metrics(
            new MetricsSnapshot(total, total, 0, 0, new Dictionary<string, int> { ["AAPL"] = total }, total, total / 24.0),
            DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds));

    /// <summary>Virtual ticks for a time in milliseconds (the test scheduler's tick 0 is the Unix epoch).</summary>
    public static long Ms(long milliseconds) => TimeSpan.FromMilliseconds(milliseconds).Ticks;

    /// <summary>Readable form of recorded notifications, for assertions on events made inside the code under test.</summary>
    public static string[] Describe(this IEnumerable<Recorded<Notification<SseEvent>>> messages) =>
        [.. messages.Select(m => m.Value.Kind switch
        {
            NotificationKind.OnNext => $"{m.Time} {Describe(m.Value.Value)}",
            NotificationKind.OnError => $"{m.Time} error {m.Value.Exception!.Message}",
            _ => $"{m.Time} completed",
        })];

    public static string Describe(SseEvent value) =>
        value.Payload is ResyncData resync ? $"{value} reason={resync.Reason}" : value.ToString();
}
