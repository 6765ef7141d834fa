using System.Diagnostics;
using SseRx.AspNetCore;
using SseRx.Host.Auth;
using SseRx.Host.Hosting;
using SseRx.Host.Streaming;

namespace SseRx.Host.Observability;

/// <summary>Which endpoint a stream came from (the <c>StreamKind</c> log property and span tag).</summary>
internal enum StreamKind
{
    /// <summary><c>GET /api/v2/stream</c>.</summary>
    Global,

    /// <summary><c>GET /api/v2/configurations/{id}/stream</c>.</summary>
    Configuration,
}

/// <summary>
/// The observability of SSE connections, in one place: the package's <see cref="ISseStreamListener"/> for every stream
/// it serves. The lifecycle logs (opened, closed, faulted, rejected; structured, at Information except a slow consumer's
/// close (Warning) and a fault (Error)), the <c>sserx.stream</c> and <c>sserx.resume</c> spans, the per-connection
/// <see cref="StreamCounters"/>, and the flush of metrics and spans when the last open stream ends.
/// </summary>
/// <remarks>
/// A singleton; per-connection state lives in each <see cref="StreamObservation"/>. Thread-safe. The lifecycle logs use
/// the <see cref="StreamTelemetry"/> category.
/// </remarks>
internal sealed partial class StreamTelemetry(
    ConnectionGate gate,
    SseRxMetrics metrics,
    TelemetryFlush flush,
    TimeProvider time,
    ILogger<StreamTelemetry> logger) : ISseStreamListener
{
    /// <summary>The shortest time between two flushes triggered by a stream's end, so connection churn cannot flood stdout.</summary>
    internal static readonly TimeSpan MinIdleFlushSpacing = TimeSpan.FromSeconds(1);

    /// <summary>How long the end of the last stream waits for pending metrics and spans to be exported.</summary>
    internal static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(2);

    private long _lastIdleFlush = long.MinValue;

    /// <summary>
    /// A stream was admitted: logs <c>opened</c> and starts its <c>sserx.stream</c> span, parented on the request's
    /// <c>X-Amzn-Trace-Id</c> (else <c>traceparent</c>, else a new trace). The span becomes the current activity.
    /// </summary>
    public ISseStreamObserver? Opened(HttpContext context, string? lastEventId) =>
        Open(context, KindOf(context), UserIdentity.GetUserId(context), lastEventId);

    /// <inheritdoc />
    public void Rejected(HttpContext context, SseRejection reason, string? clientKey)
    {
        var (name, status) = reason switch
        {
            SseRejection.ClientLimit => ("ClientLimit", StatusCodes.Status429TooManyRequests),
            SseRejection.ShuttingDown => ("ShuttingDown", StatusCodes.Status503ServiceUnavailable),
            _ => ("ProcessLimit", StatusCodes.Status503ServiceUnavailable),
        };
        Rejected(context, KindOf(context), UserIdentity.GetUserId(context), clientKey, name, status);
    }

    /// <summary>Starts a stream's observation (see <see cref="Opened"/>).</summary>
    public StreamObservation Open(HttpContext context, StreamKind kind, string? userId, string? lastEventId)
    {
        var connectionId = context.TraceIdentifier;
        var kindName = Name(kind);
        var activity = StartStreamActivity(context, kindName, connectionId, userId, lastEventId);
        var traceId = activity is { IsAllDataRequested: true } ? TraceParents.ToAmazonTraceId(activity.TraceId) : null;
        LogOpened(logger, connectionId, kindName, userId, lastEventId, traceId);
        metrics.StreamOpened(kindName);
        var resume = lastEventId is not null && activity is { IsAllDataRequested: true }
            ? ResumeSpan.Start(activity.Context, lastEventId)
            : null;
        return new StreamObservation(
            this, connectionId, kindName, userId, traceId, time.GetTimestamp(), activity, new StreamCounters(metrics, time), resume);
    }

    /// <summary>A stream was refused (503 or 429): logs <c>rejected</c> and counts it (<see cref="SseRxMetrics.Names.RejectedStreams"/>).</summary>
    /// <param name="context">The request.</param>
    /// <param name="kind">The endpoint.</param>
    /// <param name="userId">The caller, if identified.</param>
    /// <param name="clientKey">The key the per-client limits count by (see <see cref="ClientKey"/>).</param>
    /// <param name="reason">
    /// Why: <c>ProcessLimit</c> (503), <c>ClientLimit</c> (429; see <see cref="GateRefusal"/>), <c>ShuttingDown</c> (503)
    /// or <c>RateLimit</c> (429, from the connection rate limiter).
    /// </param>
    /// <param name="statusCode">The status the refusal answers with.</param>
    public void Rejected(HttpContext context, StreamKind kind, string? userId, string? clientKey, string reason, int statusCode)
    {
        var connectionId = context.TraceIdentifier;
        var kindName = Name(kind);
        metrics.StreamRejected(kindName, reason);
        LogRejected(logger, connectionId, statusCode, reason, kindName, userId, clientKey);
    }

    /// <summary>The connection rate limiter refused a stream request (429): logs <c>rejected</c> and counts it.</summary>
    public void RateLimited(HttpContext context)
    {
        var userId = UserIdentity.GetUserId(context);
        Rejected(context, KindOf(context), userId, ClientKey.For(context, userId), "RateLimit", StatusCodes.Status429TooManyRequests);
    }

    private static StreamKind KindOf(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == StreamEndpoints.ConfigurationStreamName
            ? StreamKind.Configuration
            : StreamKind.Global;

    /// <summary>Ends a stream: logs it, ends its span, and flushes metrics and spans if no other stream is open.</summary>
    internal async Task EndAsync(StreamObservation stream, SseStreamEnd end, Exception? error)
    {
        stream.Resume?.Abandon();
        var duration = time.GetElapsedTime(stream.Started);
        var durationMs = Math.Round(duration.TotalMilliseconds, 1);
        var sent = stream.Counters.EventsSent;
        var reason = end.ToString();
        metrics.StreamEnded(stream.Kind, reason, duration);
        switch (end)
        {
            case SseStreamEnd.Faulted:
                LogFaulted(logger, stream.ConnectionId, reason, durationMs, sent, stream.Kind, stream.UserId, stream.TraceId, error);
                break;
            default:
                // A dropped slow client is worth a warning (too many mean the buffer or the instance is too small);
                // every other end is routine.
                var level = end == SseStreamEnd.SlowConsumer ? LogLevel.Warning : LogLevel.Information;
                LogClosed(logger, level, stream.ConnectionId, reason, durationMs, sent, stream.Kind, stream.UserId, stream.TraceId);
                break;
        }

        if (stream.Activity is { } activity)
        {
            activity.SetTag(SseRxActivities.Tags.EventsSent, sent);
            activity.SetTag(SseRxActivities.Tags.EndReason, reason);
            if (end == SseStreamEnd.Faulted)
            {
                activity.SetStatus(ActivityStatusCode.Error, error?.Message);
                if (error is not null)
                {
                    activity.AddException(error);
                }
            }

            activity.Stop();
        }

        // This stream still holds its lease: 1 means it is the last. On Lambda (one stream per environment) the
        // environment may be frozen once the response ends, so write what is pending before it does.
        if (gate.Active <= 1 && TryTakeIdleFlush())
        {
            await flush.FlushAsync(FlushTimeout).ConfigureAwait(false);
        }
    }

    private static Activity? StartStreamActivity(HttpContext context, string kind, string connectionId, string? userId, string? lastEventId)
    {
        var source = SseRxActivities.Source;
        if (!source.HasListeners())
        {
            return null;
        }

        // An explicit parent (or none): never ASP.NET Core's own request activity, which is not exported.
        var parent = TraceParents.FromHeaders(context.Request.Headers);
        if (parent == default)
        {
            Activity.Current = null;
        }

        var activity = source.StartActivity(SseRxActivities.Stream, ActivityKind.Server, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(SseRxActivities.Tags.StreamKind, kind);
            activity.SetTag(SseRxActivities.Tags.ConnectionId, connectionId);
            activity.SetTag("http.route", context.GetEndpoint() is RouteEndpoint route ? route.RoutePattern.RawText : null);
            if (userId is not null)
            {
                activity.SetTag(SseRxActivities.Tags.UserId, userId);
            }

            if (lastEventId is not null)
            {
                activity.SetTag(SseRxActivities.Tags.LastEventId, lastEventId);
            }
        }

        return activity;
    }

    private bool TryTakeIdleFlush()
    {
        var now = time.GetTimestamp();
        var spacing = (long)(MinIdleFlushSpacing.TotalSeconds * time.TimestampFrequency);
        var last = Interlocked.Read(ref _lastIdleFlush);
        return (last == long.MinValue || now - last >= spacing) &&
            Interlocked.CompareExchange(ref _lastIdleFlush, now, last) == last;
    }

    private static string Name(StreamKind kind) => kind == StreamKind.Global ? "global" : "configuration";

    [LoggerMessage(EventId = 100, EventName = "StreamOpened", Level = LogLevel.Information,
        Message = "Stream {ConnectionId} opened: {StreamKind} stream, user {UserId}, Last-Event-ID {LastEventId}, trace {TraceId}")]
    private static partial void LogOpened(ILogger logger, string connectionId, string streamKind, string? userId, string? lastEventId, string? traceId);

    [LoggerMessage(EventId = 101, EventName = "StreamClosed",
        Message = "Stream {ConnectionId} closed ({EndReason}) after {DurationMs} ms with {EventsSent} events sent: {StreamKind} stream, user {UserId}, trace {TraceId}")]
    private static partial void LogClosed(
        ILogger logger, LogLevel level, string connectionId, string endReason, double durationMs, long eventsSent, string streamKind, string? userId,
        string? traceId);

    [LoggerMessage(EventId = 102, EventName = "StreamFaulted", Level = LogLevel.Error,
        Message = "Stream {ConnectionId} faulted ({EndReason}) after {DurationMs} ms with {EventsSent} events sent: {StreamKind} stream, user {UserId}, trace {TraceId}")]
    private static partial void LogFaulted(
        ILogger logger, string connectionId, string endReason, double durationMs, long eventsSent, string streamKind, string? userId,
        string? traceId, Exception? error);

    [LoggerMessage(EventId = 103, EventName = "StreamRejected", Level = LogLevel.Information,
        Message = "Stream {ConnectionId} rejected with {StatusCode} ({RefusalReason}): {StreamKind} stream, user {UserId}, client {ClientKey}")]
    private static partial void LogRejected(
        ILogger logger, string connectionId, int statusCode, string refusalReason, string streamKind, string? userId, string? clientKey);
}

/// <summary>
/// One open stream's observability, the package's <see cref="ISseStreamObserver"/>: its counters, its spans, and what
/// its end is logged with. Created by <see cref="StreamTelemetry.Open"/>; the package ends it once.
/// </summary>
internal sealed class StreamObservation : ISseStreamObserver
{
    private readonly StreamTelemetry _owner;

    internal StreamObservation(
        StreamTelemetry owner,
        string connectionId,
        string kind,
        string? userId,
        string? traceId,
        long started,
        Activity? activity,
        StreamCounters counters,
        ResumeSpan? resume)
    {
        Resume = resume;
        _owner = owner;
        ConnectionId = connectionId;
        Kind = kind;
        UserId = userId;
        TraceId = traceId;
        Started = started;
        Activity = activity;
        Counters = counters;
    }

    /// <summary>The request's trace identifier.</summary>
    public string ConnectionId { get; }

    /// <summary><c>global</c> or <c>configuration</c>.</summary>
    public string Kind { get; }

    /// <summary>The caller, if identified.</summary>
    public string? UserId { get; }

    /// <summary>The stream span's trace id in X-Ray form (<c>1-{8 hex}-{24 hex}</c>, what X-Ray's log correlation searches for), when traced.</summary>
    public string? TraceId { get; }

    /// <summary>When the stream was admitted (a <see cref="TimeProvider"/> timestamp).</summary>
    public long Started { get; }

    /// <summary>The <c>sserx.stream</c> span, or <see langword="null"/> when nothing listens.</summary>
    public Activity? Activity { get; }

    /// <summary>The counters the writer loop keeps.</summary>
    public StreamCounters Counters { get; }

    /// <summary>The <c>sserx.resume</c> span of a client that sent a <c>Last-Event-ID</c>, when traced.</summary>
    public ResumeSpan? Resume { get; }

    public void Resumed(ResumeOutcome outcome) => Resume?.Resolved(outcome);

    public void Written(SseEvent value) => Counters.Written(value);

    public void Flushed(int events) => Counters.Flushed(events);

    /// <summary>Logs the end, ends the spans and, for the last open stream, flushes metrics and spans.</summary>
    public async ValueTask EndedAsync(SseStreamEnd reason, Exception? failure) => await _owner.EndAsync(this, reason, failure);
}
