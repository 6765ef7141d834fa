using SseRx.Host.Hosting;

namespace SseRx.Host.Streaming;

/// <summary>Maps the SSE endpoints: the global stream and a configuration's stream.</summary>
internal static class StreamEndpoints
{
    /// <summary>
    /// Maps <c>GET /api/v2/stream</c> and <c>GET /api/v2/configurations/{id}/stream</c>; see <see cref="StreamHandler"/>.
    /// Both are under the connection rate limit (<see cref="RateLimiting.StreamPolicy"/>).
    /// </summary>
    public static RouteGroupBuilder MapStreams(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2").RequireStreamRateLimit();
        group.MapGet("/stream", (HttpContext context, StreamHandler handler) => handler.StreamAllAsync(context))
            .WithName("Stream");
        group.MapGet(
                "/configurations/{id}/stream",
                (HttpContext context, string id, StreamHandler handler) => handler.StreamConfigurationAsync(context, id))
            .WithName("ConfigurationStream");
        return group;
    }
}
