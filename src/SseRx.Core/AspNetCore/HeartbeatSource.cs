namespace SseRx.AspNetCore;

/// <summary>
/// Makes one connection's heartbeats. Each carries a valid resume cursor: the id of the last event the connection was
/// sent, or, before any, the cursor the connection started from. The first also carries <c>retry:</c>, this connection's
/// own reconnection delay (<see cref="SseStreamOptions.RetryJitter"/>).
/// </summary>
/// <remarks>One per connection; the heartbeat operator calls <see cref="Next"/> one call at a time, so it needs no lock.</remarks>
internal sealed class HeartbeatSource(SseStreamOptions options, SseRxServer server, SseEventId resumeCursor, TimeSpan retry)
{
    private bool _sentFirst;

    public SseEvent Next(SseEvent? last)
    {
        TimeSpan? reconnection = _sentFirst ? null : retry;
        _sentFirst = true;
        return options.Heartbeat(new SseHeartbeatContext(last?.Id ?? resumeCursor, server.Scheduler.Now, server.Gate.Active, reconnection));
    }
}
