using System.Globalization;
using System.Reactive.Linq;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using SseRx.Configurations;
using SseRx.Host.Auth;
using SseRx.Host.Hosting;
using SseRx.Host.Observability;

namespace SseRx.Host.Streaming;

/// <summary>
/// Serves one SSE connection: checks the request, admits it through the gate, subscribes its pipeline
/// (journal, ticker filter, heartbeat, lifetime, buffer) and runs the writer loop until the stream ends.
/// </summary>
/// <remarks>
/// A singleton; per-connection state lives in locals, so any number of requests run concurrently. The
/// subscription and the gate lease are released however the stream ends: completion, a slow or vanished client,
/// a pipeline error, or shutdown (see <see cref="StreamShutdown"/> for the order: new streams are refused first, open
/// streams end once the server has stopped accepting connections).
/// </remarks>
internal sealed class StreamHandler(SseRxRuntime runtime, IHostApplicationLifetime lifetime, StreamTelemetry telemetry)
{
    private readonly RetryJitter _retry = new(runtime.Options);
    private readonly LifetimeJitter _lifetime = new(runtime.Options);

    /// <summary>The query parameter a client that cannot set headers resumes with.</summary>
    internal const string LastEventIdQueryName = "lastEventId";

    /// <summary>The request header <c>EventSource</c> resumes with.</summary>
    internal const string LastEventIdHeaderName = "Last-Event-ID";

    /// <summary>Longer ids are refused before any work: twice the longest valid id leaves room for nothing legitimate.</summary>
    internal const int MaxLastEventIdLength = SseEventId.MaxLength * 2;

    /// <summary>Streams everything: <c>GET /api/v2/stream</c>.</summary>
    public async Task StreamAllAsync(HttpContext context)
    {
        if (!TryReadLastEventId(context, out var lastEventId))
        {
            await LastEventIdTooLong(context);
            return;
        }

        await RunAsync(context, lastEventId, UserIdentity.GetUserId(context), configuration: null);
    }

    /// <summary>
    /// Streams one configuration's tickers: <c>GET /api/v2/configurations/{id}/stream</c>. 401 without an identity;
    /// 404 when the configuration does not exist or is another user's (the same response, so nothing leaks).
    /// An edit applies to the open stream; a delete ends it.
    /// </summary>
    public async Task StreamConfigurationAsync(HttpContext context, string id)
    {
        if (!TryReadLastEventId(context, out var lastEventId))
        {
            await LastEventIdTooLong(context);
            return;
        }

        var userId = UserIdentity.GetUserId(context);
        if (userId is null)
        {
            await UserIdentity.Unauthorized(context).ExecuteAsync(context);
            return;
        }

        var store = context.RequestServices.GetRequiredService<IConfigurationStore>();
        if (await store.GetAsync(userId, id, context.RequestAborted) is null)
        {
            await Results.Problem(
                    statusCode: StatusCodes.Status404NotFound,
                    title: "Configuration not found",
                    detail: "There is no configuration with this id for the current user.")
                .ExecuteAsync(context);
            return;
        }

        await RunAsync(context, lastEventId, userId, store.Watch(userId, id));
    }

    private async Task RunAsync(HttpContext context, string? lastEventId, string? userId, IObservable<UserConfiguration?>? configuration)
    {
        var kind = configuration is null ? StreamKind.Global : StreamKind.Configuration;
        var clientKey = ClientKey.For(context, userId);
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            telemetry.Rejected(context, kind, userId, clientKey, "ShuttingDown", StatusCodes.Status503ServiceUnavailable);
            await Refuse(context, StatusCodes.Status503ServiceUnavailable, "Shutting down", "The server is shutting down; reconnect to another instance.");
            return;
        }

        using var lease = runtime.Gate.TryEnter(clientKey, out var refusal);
        if (lease is null)
        {
            telemetry.Rejected(
                context, kind, userId, clientKey, refusal.ToString(),
                refusal == GateRefusal.ClientLimit ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable);
            await (refusal == GateRefusal.ClientLimit
                ? Refuse(context, StatusCodes.Status429TooManyRequests, "Too many streams", "This client has too many open streams.")
                : Refuse(context, StatusCodes.Status503ServiceUnavailable, "Too many streams", "The server is at its stream limit."));
            return;
        }

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var stopping = StreamShutdown.EndOfStream(context, lifetime.ApplicationStopping);
        var options = runtime.Options;
        var heartbeats = new HeartbeatSource(runtime, ResumeCursor(lastEventId), _retry.Next());

        // OBSERVABILITY HOOK: lifecycle logs, the sserx.stream span (current from here on), counters, resume span.
        var observation = telemetry.Open(context, kind, userId, lastEventId);
        var interrupt = new PumpInterrupt(response.BodyWriter);
        var buffer = Filter(observation.TraceResume(onResolved => runtime.Journal.ResumeFrom(lastEventId, onResolved), lastEventId), configuration)
            .WithHeartbeat(options.HeartbeatInterval, heartbeats.Next, runtime.Clock)
            .WithMaxLifetime(_lifetime.Next(), runtime.Clock)
            .Finally(interrupt.OnPipelineEnded)
            .SubscribeBuffered(runtime.BufferOptions);
        var end = StreamEnd.Faulted;
        interrupt.Attach(buffer);

        // Runs inline if shutdown has already reached this stream: the buffer ends and the loop returns at once.
        using var onStopping = stopping.UnsafeRegister(static state => ((PumpInterrupt)state!).OnShutdown(), interrupt);
        try
        {
            end = await SsePump.RunAsync(buffer, response.BodyWriter, context.RequestAborted, stopping, observation.Counters);
        }
        finally
        {
            buffer.Dispose();
            await observation.EndAsync(end, buffer.Error);
        }
    }

    /// <summary>Where the connection resumes from if it sees nothing but heartbeats: always a valid cursor.</summary>
    private SseEventId ResumeCursor(string? lastEventId) =>
        SseEventId.TryParse(lastEventId, out var parsed) ? parsed : runtime.Journal.Position ?? SseEventId.AtTime(runtime.Scheduler.Now);

    /// <summary>
    /// For a configuration stream: the configuration's current tickers, switched live on every edit; the stream
    /// completes when the configuration is deleted (the watch emits <see langword="null"/>). One watch subscription.
    /// </summary>
    private static IObservable<SseEvent> Filter(IObservable<SseEvent> events, IObservable<UserConfiguration?>? configuration) =>
        configuration is null
            ? events
            : configuration.Publish(watch => events
                .WhereTickers(watch
                    .TakeWhile(static c => c is not null)
                    .Select(static c => (IReadOnlySet<string>)new HashSet<string>(c!.Tickers, StringComparer.Ordinal)))
                .TakeUntil(watch.Where(static c => c is null)));

    private static bool TryReadLastEventId(HttpContext context, out string? lastEventId)
    {
        var request = context.Request;
        string? value = request.Headers[LastEventIdHeaderName];
        if (string.IsNullOrEmpty(value))
        {
            value = request.Query[LastEventIdQueryName];
        }

        lastEventId = string.IsNullOrEmpty(value) ? null : value;
        return lastEventId is null || lastEventId.Length <= MaxLastEventIdLength;
    }

    private static Task LastEventIdTooLong(HttpContext context) =>
        Results.Problem(
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid Last-Event-ID",
                detail: string.Create(CultureInfo.InvariantCulture, $"A Last-Event-ID holds at most {MaxLastEventIdLength} characters."))
            .ExecuteAsync(context);

    /// <summary>
    /// Refuses a stream with <c>Retry-After</c> (the retry interval plus this refusal's jitter) and problem details: 503
    /// when the process is full or stopping, 429 when this client holds its share (another client would still be admitted).
    /// </summary>
    private Task Refuse(HttpContext context, int statusCode, string title, string detail)
    {
        var retryAfter = _retry.NextRetryAfterSeconds();
        context.Response.Headers[HeaderNames.RetryAfter] = retryAfter.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(
                statusCode: statusCode,
                title: title,
                detail: detail + string.Create(CultureInfo.InvariantCulture, $" Retry after {retryAfter} second(s)."))
            .ExecuteAsync(context);
    }
}
