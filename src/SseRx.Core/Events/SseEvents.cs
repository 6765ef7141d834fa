namespace SseRx;

/// <summary>The events SseRx makes itself: heartbeats and resyncs. Each call serializes once.</summary>
public static class SseEvents
{
    /// <summary>
    /// A <c>heartbeat</c> event whose id is <paramref name="resumePoint"/> and whose data is
    /// <c>{"timestamp": ..., "connections": ...}</c>.
    /// </summary>
    /// <param name="resumePoint">The cursor the client resumes from if this is the last event it sees.</param>
    /// <param name="now">The server time to report.</param>
    /// <param name="connections">The number of open streams to report.</param>
    /// <param name="reconnectionInterval">When set, the frame carries <c>retry:</c> (use it on a response's first event).</param>
    public static SseEvent Heartbeat(SseEventId resumePoint, DateTimeOffset now, int connections, TimeSpan? reconnectionInterval = null) =>
        SseEvent.Create(
            SseEventTypes.Heartbeat,
            resumePoint,
            new HeartbeatData(now, connections),
            ControlJsonContext.Default.HeartbeatData,
            reconnectionInterval: reconnectionInterval);

    /// <summary>A <c>resync</c> event whose id is <paramref name="resumePoint"/> and whose data is <c>{"reason": ...}</c>.</summary>
    /// <param name="resumePoint">A cursor at the state that follows the resync.</param>
    /// <param name="reason"><c>malformed</c>, <c>unknown</c> or <c>too_old</c> (see <see cref="ResyncReasons"/>).</param>
    /// <exception cref="ArgumentException"><paramref name="reason"/> is empty.</exception>
    public static SseEvent Resync(SseEventId resumePoint, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        return SseEvent.Create(SseEventTypes.Resync, resumePoint, new ResyncData(reason), ControlJsonContext.Default.ResyncData);
    }
}
