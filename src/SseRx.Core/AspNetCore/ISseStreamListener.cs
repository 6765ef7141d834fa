using Microsoft.AspNetCore.Http;

namespace SseRx.AspNetCore;

/// <summary>
/// Hooks for the lifecycle of every SSE stream the package serves: logs, metrics, traces. Register one in the services
/// (the default does nothing); its methods are called on request threads and must not throw.
/// </summary>
public interface ISseStreamListener
{
    /// <summary>A stream request was refused before it started; the response is problem details with <c>Retry-After</c>.</summary>
    /// <param name="context">The request.</param>
    /// <param name="reason">Why.</param>
    /// <param name="clientKey">The key the per-client limit counted by, if any.</param>
    void Rejected(HttpContext context, SseRejection reason, string? clientKey);

    /// <summary>A stream was admitted and is about to start.</summary>
    /// <param name="context">The request.</param>
    /// <param name="lastEventId">The client's <c>Last-Event-ID</c>, if any.</param>
    /// <returns>An observer of this stream, or <see langword="null"/>.</returns>
    ISseStreamObserver? Opened(HttpContext context, string? lastEventId);
}

/// <summary>Observes one stream (see <see cref="ISseStreamListener.Opened"/>). Called by one thread at a time.</summary>
public interface ISseStreamObserver
{
    /// <summary>How the client's <c>Last-Event-ID</c> was resolved; once, as soon as it is known.</summary>
    /// <param name="outcome">From memory, from the store, or a resync.</param>
    void Resumed(ResumeOutcome outcome);

    /// <summary>An event was written to the response (it goes out with the next flush).</summary>
    /// <param name="value">The event.</param>
    void Written(SseEvent value);

    /// <summary>A flush completed: <paramref name="events"/> events reached the connection.</summary>
    /// <param name="events">How many events the flush carried.</param>
    void Flushed(int events);

    /// <summary>The stream ended; the last call.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="failure">The pipeline's error, for <see cref="SseStreamEnd.Faulted"/> and <see cref="SseStreamEnd.SlowConsumer"/>.</param>
    /// <returns>Completes when the observer is done (it may flush telemetry).</returns>
    ValueTask EndedAsync(SseStreamEnd reason, Exception? failure);
}

/// <summary>Why a stream request was refused.</summary>
public enum SseRejection
{
    /// <summary>The process is at <see cref="SseRxOptions.MaxConnections"/> (503).</summary>
    ServerFull,

    /// <summary>The client is at <see cref="SseRxOptions.MaxConnectionsPerClient"/> (429).</summary>
    ClientLimit,

    /// <summary>The application is stopping (503): the client should reconnect to another instance.</summary>
    ShuttingDown,
}

/// <summary>Why a stream ended.</summary>
public enum SseStreamEnd
{
    /// <summary>The stream completed: its lifetime ended, or its source completed.</summary>
    Completed,

    /// <summary>The client fell too far behind and was dropped.</summary>
    SlowConsumer,

    /// <summary>The stream's pipeline failed.</summary>
    Faulted,

    /// <summary>The client went away, or a write to it failed.</summary>
    ClientGone,

    /// <summary>The application is stopping.</summary>
    Shutdown,
}

/// <summary>The listener used when none is registered: it does nothing.</summary>
internal sealed class NoStreamListener : ISseStreamListener
{
    public void Rejected(HttpContext context, SseRejection reason, string? clientKey)
    {
    }

    public ISseStreamObserver? Opened(HttpContext context, string? lastEventId) => null;
}
