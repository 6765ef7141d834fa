using Microsoft.AspNetCore.Cors.Infrastructure;
using SseRx.Host.Hosting;

namespace SseRx.Host.Dashboard;

/// <summary>
/// The CORS policy that lets a dashboard served from another origin reach the api and stream roles
/// (for example the two Lambda Function URLs). Only <c>SseRx:Cors:AllowedOrigins</c> are allowed; none by default.
/// </summary>
internal static class SseRxCors
{
    /// <summary>Sets the default policy from <paramref name="settings"/>.</summary>
    public static void Configure(CorsOptions cors, CorsSettings settings) =>
        cors.AddDefaultPolicy(policy => policy
            .WithOrigins(settings.AllowedOrigins)
            .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete)
            .WithHeaders("Content-Type", "Authorization", "X-User-ID", "Last-Event-ID", "Cache-Control")
            .WithExposedHeaders("Retry-After", "Location")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(10)));
}
