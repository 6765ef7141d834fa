using System.Globalization;
using System.Reactive.Linq;
using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;

namespace SseRx.AspNetCore;

/// <summary>
/// An SSE stream from an <see cref="EventJournal"/> as a minimal-API result (see <see cref="SseRxResults.Stream"/>):
/// admission, <c>Last-Event-ID</c>, the streaming headers, heartbeats and lifetime, the slow-consumer policy, flushes,
/// and shutdown. Its endpoint's metadata says it produces <c>text/event-stream</c>.
/// </summary>
public sealed class SseStreamResult : IResult, IEndpointMetadataProvider
{
    /// <summary>The query parameter a client that cannot set headers resumes with.</summary>
    public const string LastEventIdQueryName = "lastEventId";

    /// <summary>The request header <c>EventSource</c> resumes with.</summary>
    public const string LastEventIdHeaderName = "Last-Event-ID";

    /// <summary>Longer ids are refused before any work (400): twice the longest valid id leaves room for nothing legitimate.</summary>
    public const int MaxLastEventIdLength = SseEventId.MaxLength * 2;

    private readonly EventJournal _journal;
    private readonly SseStreamOptions? _options;
    private readonly Func<IObservable<SseEvent>, IObservable<SseEvent>>? _pipeline;

    internal SseStreamResult(EventJournal journal, SseStreamOptions? options, Func<IObservable<SseEvent>, IObservable<SseEvent>>? pipeline)
    {
        _journal = journal;
        _options = options;
        _pipeline = pipeline;
    }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(SseStreamMetadata.Instance);
    }

    /// <summary>Streams until the client leaves, the stream ends, the client falls too far behind, or the application stops.</summary>
    /// <param name="httpContext">The request.</param>
    /// <exception cref="InvalidOperationException"><see cref="SseRxServiceCollectionExtensions.AddSseRx"/> was not called.</exception>
    public Task ExecuteAsync(HttpContext httpContext)
    {
        // Not async itself: an admitted stream runs in StreamAsync's frame alone, one frame fewer for its lifetime.
        ArgumentNullException.ThrowIfNull(httpContext);
        var server = httpContext.RequestServices.GetService<SseRxServer>() ??
            throw new InvalidOperationException("SSE streams need the SseRx services: call services.AddSseRx() at start-up.");
        var options = _options ?? server.Options.Stream;
        if (!TryReadLastEventId(httpContext, out var lastEventId))
        {
            return InvalidLastEventId().ExecuteAsync(httpContext);
        }

        var clientKey = options.ClientKey(httpContext);
        if (server.Stopping.IsCancellationRequested)
        {
            server.Listener.Rejected(httpContext, SseRejection.ShuttingDown, clientKey);
            return Refuse(httpContext, options, StatusCodes.Status503ServiceUnavailable, "Shutting down", "The server is shutting down; reconnect to another instance.");
        }

        var lease = server.Gate.TryEnter(clientKey, out var refusal);
        if (lease is null)
        {
            var clientLimit = refusal == GateRefusal.ClientLimit;
            server.Listener.Rejected(httpContext, clientLimit ? SseRejection.ClientLimit : SseRejection.ServerFull, clientKey);
            return clientLimit
                ? Refuse(httpContext, options, StatusCodes.Status429TooManyRequests, "Too many streams", "This client has too many open streams.")
                : Refuse(httpContext, options, StatusCodes.Status503ServiceUnavailable, "Too many streams", "The server is at its stream limit.");
        }

        return StreamAsync(httpContext, server, options, lastEventId, lease);
    }

    /// <summary>
    /// Starts the stream of an admitted client and returns its pump, which releases the gate <paramref name="lease"/> when
    /// the stream ends, however it ends. Not async itself, so an open stream holds only the pump's frame.
    /// </summary>
    private Task StreamAsync(HttpContext context, SseRxServer server, SseStreamOptions options, string? lastEventId, IDisposable lease)
    {
        ConsumerBuffer? buffer = null;
        CancellationTokenRegistration onStopping = default;
        CancellationTokenRegistration onAborted = default;
        try
        {
            var response = context.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";

            // Proxies such as nginx buffer responses unless told not to.
            response.Headers["X-Accel-Buffering"] = "no";
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

            var observer = server.Listener.Opened(context, lastEventId);
            // A client's heartbeats carry its cursor until it has been sent an event: its own Last-Event-ID, or, for a new
            // client, the initial cursor (a drop before any data then resumes as a new client and gets the state again).
            var resumeCursor = SseEventId.TryParse(lastEventId, out var parsed) ? parsed : SseEventId.Initial;
            var heartbeats = new HeartbeatSource(options, server, resumeCursor, StreamJitter.Retry(options));
            var interrupt = new PumpInterrupt(response.BodyWriter);
            var resumed = _journal.ResumeFrom(lastEventId, observer is null ? null : observer.Resumed);
            var events = (_pipeline?.Invoke(resumed) ?? resumed).WithHeartbeat(options.HeartbeatInterval, heartbeats.Next, server.Clock, options.HeartbeatMode);
            if (options.MaxLifetime is { } lifetime)
            {
                events = events.WithMaxLifetime(StreamJitter.Lifetime(lifetime, options), server.Clock);
            }

            buffer = events.Finally(interrupt.OnPipelineEnded).SubscribeBuffered(options.Buffer);
            interrupt.Attach(buffer);

            // Runs inline if the application is already stopping: the buffer ends and the pump returns at once.
            // Open streams end on their connection's close request, which Kestrel makes once it has stopped accepting
            // connections, so a client's reconnect goes to another instance (see StreamShutdown).
            var endOfStream = StreamShutdown.EndOfStream(context, server.Stopping);
            onStopping = endOfStream.UnsafeRegister(static state => ((PumpInterrupt)state!).OnShutdown(), interrupt);
            var aborted = context.RequestAborted;
            onAborted = aborted.UnsafeRegister(static state => ((PumpInterrupt)state!).OnClientGone(), interrupt);
            return SsePump.RunAsync(
                buffer, response.BodyWriter, options.MaxEventsPerFlush, observer, onStopping, onAborted, lease, endOfStream, aborted);
        }
        catch
        {
            onAborted.Dispose();
            onStopping.Dispose();
            buffer?.Dispose();
            lease.Dispose();
            throw;
        }
    }

    /// <summary>The 400 for a <c>Last-Event-ID</c> longer than <see cref="MaxLastEventIdLength"/>.</summary>
    internal static IResult InvalidLastEventId() => Results.Problem(
        statusCode: StatusCodes.Status400BadRequest,
        title: "Invalid Last-Event-ID",
        detail: string.Create(CultureInfo.InvariantCulture, $"A Last-Event-ID holds at most {MaxLastEventIdLength} characters."),
        extensions: new Dictionary<string, object?> { ["field"] = LastEventIdHeaderName });

    internal static bool TryReadLastEventId(HttpContext context, out string? lastEventId)
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

    /// <summary>
    /// Refuses a stream with <c>Retry-After</c> (the retry interval plus this refusal's jitter, rounded up to whole seconds) and problem details: 503
    /// when the process is full or stopping, 429 when this client holds its share (another client would still get in).
    /// </summary>
    private static Task Refuse(HttpContext context, SseStreamOptions options, int statusCode, string title, string detail)
    {
        var retryAfter = StreamJitter.RetryAfterSeconds(options);
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(
                statusCode: statusCode,
                title: title,
                detail: detail + string.Create(CultureInfo.InvariantCulture, $" Retry after {retryAfter} second(s)."))
            .ExecuteAsync(context);
    }
}

/// <summary>An SSE endpoint's response metadata: 200 with <c>text/event-stream</c> (what OpenAPI shows).</summary>
internal sealed class SseStreamMetadata : IProducesResponseTypeMetadata
{
    public static readonly SseStreamMetadata Instance = new();

    public Type? Type => null;

    public int StatusCode => StatusCodes.Status200OK;

    public IEnumerable<string> ContentTypes { get; } = ["text/event-stream"];
}
