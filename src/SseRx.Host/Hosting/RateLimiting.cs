using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SseRx.Host.Auth;
using SseRx.Host.Observability;

namespace SseRx.Host.Hosting;

/// <summary>
/// Abuse protection for the stream endpoints, on ASP.NET Core's built-in rate limiter: a fixed-window connection
/// rate limit per client (<see cref="RateLimitOptions"/>, keyed by <see cref="ClientKey"/>). The per-client cap on
/// concurrent streams is the gate's (<see cref="SseRxHostOptions.MaxConnectionsPerClient"/>); both answer 429.
/// </summary>
internal static partial class RateLimiting
{
    /// <summary>The rate limiter policy the stream endpoints require.</summary>
    public const string StreamPolicy = "sserx-streams";

    /// <summary>
    /// Registers the rate limiter with the <see cref="StreamPolicy"/> policy, its validated settings, and removes
    /// Kestrel's <c>Server</c> header (it names the server software to every caller). The policy applies only to
    /// endpoints that call <see cref="RequireStreamRateLimit{TBuilder}"/>; the app must call <c>UseRateLimiter()</c>
    /// after <c>UseCors()</c>, so refusals carry CORS headers and preflights are never counted.
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

        services.AddRateLimiter(static _ => { });
        services.AddOptions<RateLimiterOptions>()
            .Configure<IOptions<RateLimitOptions>, ILoggerFactory>(
                (limiter, settings, loggers) => Configure(limiter, settings.Value, loggers.CreateLogger(typeof(RateLimiting))));
        return services;
    }

    /// <summary>Applies the <see cref="StreamPolicy"/> connection rate limit to <paramref name="builder"/>'s endpoints.</summary>
    public static TBuilder RequireStreamRateLimit<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireRateLimiting(StreamPolicy);

    private static void Configure(RateLimiterOptions limiter, RateLimitOptions settings, ILogger logger)
    {
        var window = new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.PermitsPerWindow,
            Window = settings.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        limiter.AddPolicy(StreamPolicy, context =>
        {
            // Requests with no key (no identity and no remote address: TestServer, Unix sockets) are not counted,
            // as the gate does not count them per client either.
            var key = settings.Enabled ? ClientKey.For(context, UserIdentity.GetUserId(context)) : null;
            return key is null
                ? RateLimitPartition.GetNoLimiter(string.Empty)
                : RateLimitPartition.GetFixedWindowLimiter(key, _ => window);
        });
        limiter.OnRejected = (rejected, _) => RejectAsync(rejected, settings, logger);
    }

    private static ValueTask RejectAsync(OnRejectedContext rejected, RateLimitOptions settings, ILogger logger)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var hint) && hint > TimeSpan.Zero
            ? hint
            : settings.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        LogRejected(logger, context.Request.Path);

        // OBSERVABILITY HOOK: a rate-limited connection attempt is a rejected stream (lifecycle log, sserx.stream.rejected).
        context.RequestServices.GetService<StreamTelemetry>()?.RateLimited(context);

        context.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        return new ValueTask(Results.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many connection attempts",
                detail: string.Create(
                    CultureInfo.InvariantCulture,
                    $"This client opened more than {settings.PermitsPerWindow} streams in {settings.Window.TotalSeconds:0.###} second(s). Retry after {seconds} second(s)."))
            .ExecuteAsync(context));
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream connection on {Path} refused by the rate limit")]
    private static partial void LogRejected(ILogger logger, PathString path);
}
