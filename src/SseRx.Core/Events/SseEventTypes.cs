namespace SseRx;

/// <summary>The event types SseRx puts on the wire (the SSE <c>event:</c> field).</summary>
public static class SseEventTypes
{
    /// <summary>Sent at connect and after a silent interval; its id is a valid resume point.</summary>
    public const string Heartbeat = "heartbeat";

    /// <summary>The aggregate metrics changed.</summary>
    public const string Metrics = "metrics";

    /// <summary>A new analysed item.</summary>
    public const string NewItem = "new_item";

    /// <summary>A ticker's rolling sentiment score changed.</summary>
    public const string SentimentUpdate = "sentiment_update";

    /// <summary>The client's <c>Last-Event-ID</c> could not be resumed; a fresh snapshot follows.</summary>
    public const string Resync = "resync";
}
