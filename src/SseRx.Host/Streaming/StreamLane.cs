using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SseRx.Host.Auth;
using SseRx.Host.Dashboard;
using SseRx.Host.Hosting;
using SseRx.Host.Observability;

namespace SseRx.Host.Streaming;

/// <summary>
/// What the stream endpoints need of the middleware the rest of the app runs through, done once before a stream
/// starts: the security headers, CORS, the connection rate limit, and authentication when a credential is present.
/// </summary>
/// <remarks>
/// The stream endpoints are short-circuited (<c>ShortCircuit()</c>): routing runs them at once, so no middleware stays
/// on a stream's stack for its lifetime (the rate limiter, authentication with its handler, the exception handler
/// and status pages held about 1 KB per open stream). Each concern is applied here instead, and finishes before the
/// stream begins. Preflight requests never match the GET endpoints, so the CORS middleware still answers them.
/// </remarks>
internal sealed partial class StreamLane
{
    private readonly ICorsService _cors;
    private readonly CorsPolicy? _corsPolicy;
    private readonly string _contentSecurityPolicy;
    private readonly PartitionedRateLimiter<HttpContext> _limiter;
    private readonly RateLimitOptions _limits;
    private readonly ILogger<StreamLane> _logger;

    public StreamLane(
        ICorsService cors,
        IOptions<CorsOptions> corsOptions,
        IOptions<SseRxHostOptions> host,
        IOptions<RateLimitOptions> limits,
        ILogger<StreamLane> logger)
    {
        _cors = cors;
        _corsPolicy = corsOptions.Value.GetPolicy(corsOptions.Value.DefaultPolicyName);
        _contentSecurityPolicy = SecurityHeaders.ContentSecurityPolicy(host.Value.Dashboard);
        _limits = limits.Value;
        _logger = logger;
        var window = new FixedWindowRateLimiterOptions
        {
            PermitLimit = _limits.PermitsPerWindow,
            Window = _limits.Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        };

        // Requests with no key (no identity and no remote address: TestServer, Unix sockets) are not counted, as the
        // gate does not count them per client either.
        var enabled = _limits.Enabled;
        _limiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
        {
            var key = enabled ? ClientKey.For(context, UserIdentity.GetUserId(context)) : null;
            return key is null
                ? RateLimitPartition.GetNoLimiter(string.Empty)
                : RateLimitPartition.GetFixedWindowLimiter(key, _ => window);
        });
    }

    /// <summary>
    /// Applies the headers, authenticates a request that carries a credential, and takes one connection permit;
    /// the refusal to return when the client is over its rate, otherwise <see langword="null"/>.
    /// </summary>
    public async ValueTask<IResult?> AdmitAsync(HttpContext context)
    {
        var response = context.Response;
        SecurityHeaders.Apply(response.Headers, _contentSecurityPolicy);
        if (_corsPolicy is not null && context.Request.Headers.ContainsKey(HeaderNames.Origin))
        {
            _cors.ApplyResult(_cors.EvaluatePolicy(context, _corsPolicy), response);
        }

        if (context.Request.Headers.ContainsKey(HeaderNames.Authorization))
        {
            // The identity decides the client's key for the rate limit and the gate, and a configuration's owner.
            var result = await context.AuthenticateAsync();
            if (result.Succeeded)
            {
                context.User = result.Principal;
            }
        }

        using var lease = _limiter.AttemptAcquire(context);
        return lease.IsAcquired ? null : Refuse(context, lease);
    }

    /// <summary>
    /// A result that admits the request (<see cref="AdmitAsync"/>) and then runs <paramref name="stream"/>'s result,
    /// without a frame of its own when admission completes at once (no credential to authenticate): the handler
    /// returns it synchronously, so an open stream holds only the stream's own frame.
    /// </summary>
    public IResult Admitted(Func<HttpContext, IResult> stream) => new AdmittedResult(this, stream);

    /// <summary>
    /// What the exception handler would answer for an exception before the stream started (the handler is not on a
    /// short-circuited stream's path): the error in the log, and a bare 500 problem that names nothing internal.
    /// </summary>
    public IResult Failed(HttpContext context, Exception error)
    {
        LogFailed(_logger, error, context.Request.Path);
        return Results.Problem(statusCode: StatusCodes.Status500InternalServerError);
    }

    private IResult Refuse(HttpContext context, RateLimitLease lease)
    {
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var hint) && hint > TimeSpan.Zero ? hint : _limits.Window;
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        LogRejected(_logger, context.Request.Path);

        // OBSERVABILITY HOOK: a rate-limited connection attempt is a rejected stream (lifecycle log, sserx.stream.rejected).
        context.RequestServices.GetService<StreamTelemetry>()?.RateLimited(context);

        context.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        return Results.Problem(
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many connection attempts",
            detail: string.Create(
                CultureInfo.InvariantCulture,
                $"This client opened more than {_limits.PermitsPerWindow} streams in {_limits.Window.TotalSeconds:0.###} second(s). Retry after {seconds} second(s)."));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Stream request on {Path} failed before the stream started")]
    private static partial void LogFailed(ILogger logger, Exception error, PathString path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stream connection on {Path} refused by the rate limit")]
    private static partial void LogRejected(ILogger logger, PathString path);

    private sealed class AdmittedResult(StreamLane lane, Func<HttpContext, IResult> stream) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            var admission = lane.AdmitAsync(httpContext);
            if (admission.IsCompletedSuccessfully)
            {
                return (admission.Result ?? stream(httpContext)).ExecuteAsync(httpContext);
            }

            return Slow(admission, httpContext);
        }

        private async Task Slow(ValueTask<IResult?> admission, HttpContext httpContext) =>
            await ((await admission) ?? stream(httpContext)).ExecuteAsync(httpContext);
    }
}
