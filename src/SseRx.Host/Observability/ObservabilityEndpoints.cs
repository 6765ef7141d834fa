using Microsoft.Extensions.Options;

namespace SseRx.Host.Observability;

/// <summary>Maps the observability endpoints that are switched on.</summary>
internal static class ObservabilityEndpoints
{
    /// <summary>The Prometheus scraping path.</summary>
    public const string PrometheusPath = "/metrics";

    /// <summary>
    /// Maps <c>GET /metrics</c> (every metric in the Prometheus text format) when
    /// <see cref="ObservabilityOptions.PrometheusEnabled"/>; otherwise maps nothing.
    /// </summary>
    public static IEndpointRouteBuilder MapObservability(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetRequiredService<IOptions<ObservabilityOptions>>().Value.PrometheusEnabled)
        {
            endpoints.MapPrometheusScrapingEndpoint(PrometheusPath);
        }

        return endpoints;
    }
}
