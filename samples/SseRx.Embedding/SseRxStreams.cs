using System.Buffers;
using System.Globalization;
using System.Reactive.Concurrency;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using SseRx.Host.Sentiment;

namespace SseRx.Embedding;

/// <summary>How this app runs its SseRx streams. Durations are <see cref="TimeSpan"/>s.</summary>
internal sealed class SseRxStreamOptions
{
    /// <summary>How often the app's source is polled. Default 5 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The silence after which a stream gets a heartbeat. Default 30 seconds.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = SseObservable.DefaultHeartbeatInterval;

    /// <summary>A stream ends cleanly after this long, and the client resumes. Default 14 minutes 30 seconds.</summary>
    public TimeSpan MaxStreamLifetime { get; set; } = TimeSpan.FromMinutes(14.5);

    /// <summary>The <c>retry:</c> on a stream's first event and the <c>Retry-After</c> of a refusal. Default 3 seconds.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The replay journal's bounds. Default 100 events, 5 minutes.</summary>
    public JournalOptions Journal { get; } = new();

    /// <summary>The stream limits. Default 100 streams per process.</summary>
    public ConnectionGateOptions Gate { get; } = new();

    /// <summary>The per-connection buffer. Default 256 events, metrics and heartbeats conflated.</summary>
    public ConsumerBufferOptions Buffer { get; } = new();
}

/// <summary>
/// The SseRx half of the app, built once: one feed polling the app's own store, one
/// journal every stream resumes from, one gate. However many clients connect, the source is polled once per interval.
/// </summary>
/// <remarks>A singleton; thread-safe. Disposing it (with the container) completes every stream.</remarks>
internal sealed class SseRxStreams : IDisposable
{
    private readonly SseRxStreamOptions _options;
    private readonly IScheduler _scheduler;

    public SseRxStreams(IEntryLog<SentimentItem> source, SseRxStreamOptions options, IScheduler scheduler)
    {
        _options = options;
        _scheduler = scheduler;
        var feed = SentimentFeed.Create(source, new PollOptions { Interval = options.PollInterval }, scheduler, Health);
        options.Journal.History = feed.History();
        Journal = feed.ToJournal(options.Journal, scheduler);
        Gate = new ConnectionGate(options.Gate);
        Clock = new StreamClock(scheduler);
    }

    public PollHealth Health { get; } = new();

    public EventJournal Journal { get; }

    public ConnectionGate Gate { get; }

    /// <summary>One timer for every stream's heartbeats and lifetime, instead of two per stream.</summary>
    public StreamClock Clock { get; }

    public void Dispose()
    {
        Journal.Dispose();
        Clock.Dispose();
    }

    /// <summary>
    /// Streams to one client until it leaves, the app stops or the stream's lifetime ends: admission, resume from
    /// <c>Last-Event-ID</c>, heartbeats, the slow-consumer buffer, and the same pre-serialized bytes for every client.
    /// </summary>
    public async Task StreamAsync(HttpContext context, IHostApplicationLifetime lifetime)
    {
        using var lease = Gate.TryEnter(context.Connection.RemoteIpAddress?.ToString(), out var refusal);
        if (lease is null)
        {
            context.Response.Headers.RetryAfter = ((int)_options.RetryInterval.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            // 503: the process is full; 429: this client holds its share, while others would still get in.
            var status = refusal == GateRefusal.ClientLimit ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable;
            await Results.Problem(statusCode: status, detail: $"Too many streams ({refusal}).").ExecuteAsync(context);
            return;
        }

        string? lastEventId = context.Request.Headers["Last-Event-ID"];
        var resumePoint = SseEventId.TryParse(lastEventId, out var id) ? id : Journal.Position ?? SseEventId.AtTime(_scheduler.Now);
        var first = true;
        using var buffer = Journal.ResumeFrom(lastEventId)
            .WithHeartbeat(
                _options.HeartbeatInterval,
                last =>
                {
                    // The first event of a response carries retry:, so the client knows how soon to come back.
                    var retry = first ? _options.RetryInterval : (TimeSpan?)null;
                    first = false;
                    return SseEvents.Heartbeat(last?.Id ?? resumePoint, _scheduler.Now, Gate.Active, retry);
                },
                Clock)
            .WithMaxLifetime(_options.MaxStreamLifetime, Clock)
            .SubscribeBuffered(_options.Buffer);

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            while (await buffer.WaitToReadAsync(ended.Token))
            {
                while (buffer.TryRead(out var e))
                {
                    response.BodyWriter.Write(e.Utf8.Span);
                }

                await response.BodyWriter.FlushAsync(ended.Token);
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The client left or the app is stopping: nothing more to send.
        }
    }
}

/// <summary>The app's entry points to SseRx: <c>AddSseRx</c> for its services, <c>MapSseRx</c> for its endpoints.</summary>
internal static class SseRxEmbeddingExtensions
{
    /// <summary>Streams <typeparamref name="TSource"/> (which must also be registered) with SseRx.</summary>
    public static IServiceCollection AddSseRx<TSource>(this IServiceCollection services, Action<SseRxStreamOptions>? configure = null)
        where TSource : class, IEntryLog<SentimentItem>
    {
        var options = new SseRxStreamOptions();
        configure?.Invoke(options);
        services.TryAddSingleton<IScheduler>(Scheduler.Default);
        services.TryAddSingleton(sp => new SseRxStreams(sp.GetRequiredService<TSource>(), options, sp.GetRequiredService<IScheduler>()));
        return services;
    }

    /// <summary>Maps <c>GET {prefix}/stream</c> (the SSE stream) and <c>GET {prefix}/health</c> (the poller's state).</summary>
    public static RouteGroupBuilder MapSseRx(this IEndpointRouteBuilder endpoints, string prefix)
    {
        var group = endpoints.MapGroup(prefix);
        group.MapGet("/stream", (HttpContext context, SseRxStreams streams, IHostApplicationLifetime lifetime) =>
            streams.StreamAsync(context, lifetime));
        group.MapGet("/health", (SseRxStreams streams) => new { state = streams.Health.Current.State.ToString(), streams = streams.Gate.Active });
        return group;
    }
}
