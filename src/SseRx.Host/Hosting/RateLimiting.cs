using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SseRx.Host.Streaming;

namespace SseRx.Host.Hosting;

/// <summary>
/// Abuse protection for the stream endpoints: a fixed-window connection rate limit per client
/// (<see cref="RateLimitOptions"/>, keyed by <see cref="ClientKey"/>, on <c>System.Threading.RateLimiting</c>), taken by
/// <see cref="StreamLane"/> before a stream starts. The per-client cap on concurrent streams is the gate's
/// (<see cref="SseRxHostOptions.MaxConnectionsPerClient"/>); both answer 429.
/// </summary>
internal static class RateLimiting
{
    /// <summary>
    /// Registers the validated rate-limit settings and the stream lane that applies them, and removes Kestrel's
    /// <c>Server</c> header (it names the server software to every caller).
    /// </summary>
    public static IServiceCollection AddSseRxRateLimiting(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<RateLimitOptions>()
            .Bind(configuration.GetSection(RateLimitOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>());
        services.Configure<KestrelServerOptions>(static kestrel => kestrel.AddServerHeader = false);
        services.AddCors();
        services.TryAddSingleton<StreamLane>();
        return services;
    }
}
