using System.Reactive;
using SseRx.Tests.Testing;

namespace SseRx.Tests.Events;

/// <summary>Small factories for real, serialized events with chosen ids.</summary>
internal static class TestEvents
{
    /// <summary>The type of <see cref="Item"/>'s events.</summary>
    public const string ItemType = "item";

    /// <summary>The type of <see cref="Metrics"/>' events.</summary>
    public const string MetricsType = "metrics";

    /// <summary>An entry event of type <c>item</c> whose id is <c>{ms:D13}-{key}</c> and whose topic is <paramref name="topic"/>.</summary>
    public static SseEvent Item(long unixMilliseconds, string key, string topic = "AAPL") =>
        SseEvent.Create(ItemType, new SseEventId(unixMilliseconds, key), new TestEntry(key, unixMilliseconds, topic), TestEntryJson.Default.TestEntry, topic);

    /// <summary>A state event of type <c>metrics</c> whose id is <c>{ms:D13}-~metrics</c> and whose data is <paramref name="total"/>.</summary>
    public static SseEvent Metrics(long unixMilliseconds, int total = 1) =>
        SseEvent.Create(MetricsType, SseEventId.ForState(DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds), "metrics"), total, TestEntryJson.Default.Int32);

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
