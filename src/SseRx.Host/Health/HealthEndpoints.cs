using System.Text.Json.Serialization;
using SseRx.Host.Hosting;

namespace SseRx.Host.Health;

/// <summary>Maps the readiness endpoint.</summary>
internal static class HealthEndpoints
{
    /// <summary>
    /// Maps <c>GET /health</c>: always 200 once the app runs (the Lambda Web Adapter's readiness check), with
    /// <c>status</c> <c>healthy</c>, <c>degraded</c> (the shared poller is failing with a transient error and backing
    /// off), <c>failed</c> (the last failure was permanent, e.g. a missing table or bad credentials, per the registered
    /// <see cref="Hosting.StoreFailurePolicy"/>: it needs an operator, not patience) or <c>starting</c> (no poll has
    /// completed: the steady state of the api role, which polls only on demand). Streams stay up in every state,
    /// sending heartbeats, which is why readiness does not fail for them. It fails (503, <c>status</c> <c>stopping</c>)
    /// once shutdown has started, so a load balancer's readiness check takes the process out before its streams end
    /// (the package then ends open streams once Kestrel has stopped accepting connections).
    /// </summary>
    public static RouteHandlerBuilder MapHealth(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet("/health", (HttpContext context, SseRxRuntime runtime, ConnectionGate gate, IHostApplicationLifetime lifetime) =>
        {
            var poll = runtime.Health.Current;
            var stopping = lifetime.ApplicationStopping.IsCancellationRequested;
            var status = poll.State switch
            {
                _ when stopping => "stopping",
                PollState.Starting => "starting",
                PollState.Healthy => "healthy",
                PollState.Failed => "failed",
                _ => "degraded",
            };
            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.Json(new HealthReport(
                status,
                runtime.Options.Role.ToString().ToLowerInvariant(),
                gate.Active,
                new PollReport(
                    poll.State.ToString().ToLowerInvariant(), poll.ConsecutiveFailures, poll.LastSuccess, runtime.Feed.FetchCount, runtime.Feed.LateEntries)),
                HealthJsonContext.Default.HealthReport,
                statusCode: stopping ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK);
        }).WithName("Health");

    /// <summary>The body of <c>GET /health</c>.</summary>
    internal sealed record HealthReport(
        [property: JsonPropertyName("status")] string Status,
        [property: JsonPropertyName("role")] string Role,
        [property: JsonPropertyName("connections")] int Connections,
        [property: JsonPropertyName("poll")] PollReport Poll);

    /// <summary>
    /// The shared poller's state, without error details (those go to the log, not to the public). <c>fetches</c> counts
    /// the store reads of this process's shared feed since start: one per poll interval however many streams are open.
    /// <c>late_items</c> counts items that became readable only after the feed had passed their position (more than the
    /// store's visibility bound late) and so were not streamed: it should stay 0.
    /// </summary>
    internal sealed record PollReport(
        [property: JsonPropertyName("state")] string State,
        [property: JsonPropertyName("consecutive_failures")] int ConsecutiveFailures,
        [property: JsonPropertyName("last_success")] DateTimeOffset? LastSuccess,
        [property: JsonPropertyName("fetches")] long Fetches,
        [property: JsonPropertyName("late_items")] long LateItems);
}
