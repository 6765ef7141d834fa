using System.Reactive.Linq;
using SseRx.AspNetCore;
using SseRx.Host.Auth;
using SseRx.Host.Configurations;
using SseRx.Host.Hosting;

namespace SseRx.Host.Streaming;

/// <summary>
/// Maps the SSE endpoints, on the package's stream result (<see cref="SseRxResults.Stream"/>): admission, resume,
/// heartbeats, lifetime, the slow-consumer policy and shutdown are all the package's; what is the application's is
/// which journal, who may read a configuration, and its ticker filter.
/// </summary>
internal static class StreamEndpoints
{
    /// <summary>The endpoint name of a configuration's stream (the telemetry tells the two kinds apart by it).</summary>
    internal const string ConfigurationStreamName = "ConfigurationStream";

    /// <summary>
    /// Maps <c>GET /api/v2/stream</c> (everything) and <c>GET /api/v2/configurations/{id}/stream</c> (one configuration's
    /// tickers; 401 without an identity, 404 when the configuration does not exist or is another user's, the same
    /// response so nothing leaks; an edit applies to the open stream, a delete ends it). Both are short-circuited past
    /// the app's middleware, whose part in a stream <see cref="StreamLane"/> does before the stream starts (headers,
    /// CORS, the connection rate limit, authentication), so nothing of it stays on an open stream's stack.
    /// </summary>
    public static RouteGroupBuilder MapStreams(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2");

        // A RequestDelegate, not a handler returning IResult: the generated wrapper of such a handler awaits the
        // result, so its frame would stay on every open stream's stack (about 190 bytes each).
        group.MapGet("/stream", static context => Stream(
                context, context.RequestServices.GetRequiredService<SseRxRuntime>(), context.RequestServices.GetRequiredService<StreamLane>())
            .ExecuteAsync(context))
            .ShortCircuit()
            .WithName("Stream");
        group.MapGet("/configurations/{id}/stream", StreamConfigurationAsync)
            .ShortCircuit()
            .WithName(ConfigurationStreamName);
        return group;
    }

    private static IResult Stream(HttpContext context, SseRxRuntime runtime, StreamLane lane) =>

        // A bad Last-Event-ID is refused before anything else. Synchronous, so no handler frame outlives admission.
        SseRxResults.ValidateLastEventId(context) ?? lane.Admitted(_ => SseRxResults.Stream(runtime.Journal));

    private static async Task<IResult> StreamConfigurationAsync(
        HttpContext context, string id, SseRxRuntime runtime, IConfigurationStore store, StreamLane lane)
    {
        // A bad Last-Event-ID is refused before the identity and the store lookup.
        if (SseRxResults.ValidateLastEventId(context) is { } invalid)
        {
            return invalid;
        }

        try
        {
            return await AdmitConfigurationAsync(context, id, runtime, store, lane);
        }
        catch (Exception error) when (!context.RequestAborted.IsCancellationRequested)
        {
            return lane.Failed(context, error);
        }
    }

    private static async Task<IResult> AdmitConfigurationAsync(
        HttpContext context, string id, SseRxRuntime runtime, IConfigurationStore store, StreamLane lane)
    {
        if (await lane.AdmitAsync(context) is { } refused)
        {
            return refused;
        }

        var userId = UserIdentity.GetUserId(context);
        if (userId is null)
        {
            return UserIdentity.Unauthorized(context);
        }

        if (await store.GetAsync(userId, id, context.RequestAborted) is null)
        {
            return Results.Problem(
                statusCode: StatusCodes.Status404NotFound,
                title: "Configuration not found",
                detail: "There is no configuration with this id for the current user.");
        }

        var watch = store.Watch(userId, id);
        return SseRxResults.Stream(runtime.Journal, pipeline: events => Filter(events, watch));
    }

    /// <summary>
    /// The configuration's current tickers, switched live on every edit; the stream completes when the configuration is
    /// deleted (the watch emits <see langword="null"/>). One watch subscription.
    /// </summary>
    private static IObservable<SseEvent> Filter(IObservable<SseEvent> events, IObservable<UserConfiguration?> configuration) =>
        configuration.Publish(watch => events
            .WhereTopics(watch
                .TakeWhile(static c => c is not null)
                .Select(static c => (IReadOnlySet<string>)new HashSet<string>(c!.Tickers, StringComparer.Ordinal)))
            .TakeUntil(watch.Where(static c => c is null)));
}
