namespace SseRx;

/// <summary>The event types SseRx makes itself (the SSE <c>event:</c> field); your own events bring their own types.</summary>
public static class SseEventTypes
{
    /// <summary>Sent at connect and periodically; its id is the stream's last resume point.</summary>
    public const string Heartbeat = "heartbeat";

    /// <summary>The client's <c>Last-Event-ID</c> could not be resumed; the current state follows.</summary>
    public const string Resync = "resync";
}
