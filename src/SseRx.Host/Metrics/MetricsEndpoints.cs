using SseRx.Host.Sentiment;

namespace SseRx.Host.Metrics;

/// <summary>Maps the REST polling fallback.</summary>
internal static partial class MetricsEndpoints
{
    /// <summary>
    /// Maps <c>GET /api/v2/metrics</c>: the same JSON as the <c>metrics</c> event's data; 503 with problem details
    /// when the store cannot be read.
    /// </summary>
    public static RouteGroupBuilder MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v2");
        group.MapGet("/metrics", GetMetricsAsync).WithName("Metrics");
        return group;
    }

    private static async Task<IResult> GetMetricsAsync(
        HttpContext context, MetricsReader reader, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        MetricsSnapshot metrics;
        try
        {
            metrics = await reader.GetAsync(cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogFetchFailed(loggers.CreateLogger(typeof(MetricsEndpoints)), error);
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Metrics unavailable",
                detail: "The store could not be read; try again shortly.");
        }

        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.Json(metrics, SentimentJsonContext.Default.MetricsSnapshot);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "GET /api/v2/metrics could not read the store")]
    private static partial void LogFetchFailed(ILogger logger, Exception error);
}
