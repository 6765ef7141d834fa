using SseRx.Host.Hosting;

namespace SseRx.Host.Streaming;

/// <summary>
/// Makes one connection's heartbeats. Each carries a valid resume cursor: the id of the last event the connection
/// was sent, or, before any, the cursor the connection started from. The first also carries <c>retry:</c>, this
/// connection's reconnection delay (<see cref="RetryJitter"/>).
/// </summary>
/// <remarks>
/// One instance per connection; <c>WithHeartbeat</c> calls <see cref="Next"/> one call at a time, so it needs no lock.
/// </remarks>
internal sealed class HeartbeatSource(SseRxRuntime runtime, SseEventId resumeCursor, TimeSpan retry)
{
    private bool _sentFirst;

    public SseEvent Next(SseEvent? last)
    {
        TimeSpan? reconnection = _sentFirst ? null : retry;
        _sentFirst = true;
        return SseEvents.Heartbeat(last?.Id ?? resumeCursor, runtime.Scheduler.Now, runtime.Gate.Active, reconnection);
    }
}
