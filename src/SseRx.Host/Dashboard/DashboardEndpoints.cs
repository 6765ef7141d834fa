using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using SseRx.Host.Hosting;

namespace SseRx.Host.Dashboard;

/// <summary>Serves the dashboard: its static files (wwwroot) and the generated <c>/config.js</c>.</summary>
internal static class DashboardEndpoints
{
    /// <summary>
    /// Serves <c>/</c> and the other files in wwwroot, revalidated on every load (<c>Cache-Control: no-cache</c>) so
    /// a deploy shows at once. Call only for roles that serve the dashboard; adds middleware to <paramref name="app"/>.
    /// </summary>
    public static IApplicationBuilder UseDashboardFiles(this IApplicationBuilder app) =>
        app.UseDefaultFiles().UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = static file => file.Context.Response.Headers.CacheControl = "no-cache",
        });

    /// <summary>
    /// Maps <c>GET /config.js</c>: <c>window.SSERX_CONFIG = { API_BASE_URL: "...", SSE_BASE_URL: "..." };</c> from
    /// <c>SseRx:Dashboard</c>, values JSON-encoded. The script is built once, at the first request.
    /// </summary>
    public static RouteHandlerBuilder MapDashboardConfig(this IEndpointRouteBuilder endpoints)
    {
        var settings = endpoints.ServiceProvider.GetRequiredService<IOptions<SseRxHostOptions>>().Value.Dashboard;
        var script = ConfigScript(settings);
        return endpoints.MapGet("/config.js", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-cache";
            return TypedResults.Text(script, "text/javascript; charset=utf-8");
        }).WithName("DashboardConfig");
    }

    /// <summary>The script for <paramref name="settings"/>.</summary>
    internal static string ConfigScript(DashboardSettings settings) =>
        string.Create(
            CultureInfo.InvariantCulture,
            $"window.SSERX_CONFIG = {{ API_BASE_URL: {Js(settings.ApiBaseUrl)}, SSE_BASE_URL: {Js(settings.SseBaseUrl)} }};\n");

    // The default encoder also escapes <, > and &, so a value can never close a script element or break out.
    private static string Js(string? value) => JsonSerializer.Serialize(value ?? string.Empty, DashboardJsonContext.Default.String);
}
