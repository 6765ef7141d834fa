using System.Reactive.Concurrency;

namespace SseRx;

/// <summary>When <see cref="SseObservable.WithHeartbeat{T}(IObservable{T}, TimeSpan, Func{T, T}, IScheduler, HeartbeatMode)"/> sends heartbeats after the one at subscription.</summary>
public enum HeartbeatMode
{
    /// <summary>
    /// Every interval, however busy the stream: a client sees the fresh values a heartbeat carries (a connection
    /// count, the time) at a steady rate, and knows within an interval that the stream is alive. The default.
    /// </summary>
    Periodic = 0,

    /// <summary>Only after an interval with nothing emitted: a busy stream sends none.</summary>
    WhenIdle = 1,
}
