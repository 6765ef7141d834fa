using Microsoft.Extensions.Options;
using SseRx.Host.Hosting;

namespace SseRx.Host.Dashboard;

/// <summary>
/// Adds the browser security headers to every response: no MIME sniffing, no referrer, no framing, a
/// Content-Security-Policy that allows only this origin (plus the configured API and SSE origins for
/// <c>connect-src</c>, when the dashboard talks to other hosts), and a Permissions-Policy that denies the powerful
/// browser features the dashboard never uses.
/// </summary>
internal static class SecurityHeaders
{
    /// <summary>The <c>Permissions-Policy</c>: the page needs none of these, so an injected script gets none either.</summary>
    internal const string PermissionsPolicy =
        "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), " +
        "microphone=(), midi=(), payment=(), publickey-credentials-get=(), usb=(), xr-spatial-tracking=()";

    /// <summary>Adds the middleware. The policy is computed once from <c>SseRx:Dashboard</c>.</summary>
    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app)
    {
        var settings = app.ApplicationServices.GetRequiredService<IOptions<SseRxHostOptions>>().Value.Dashboard;
        var policy = ContentSecurityPolicy(settings);
        return app.Use((context, next) =>
        {
            Apply(context.Response.Headers, policy);
            return next(context);
        });
    }

    /// <summary>Sets the headers on a response; <paramref name="contentSecurityPolicy"/> from <see cref="ContentSecurityPolicy"/>.</summary>
    public static void Apply(IHeaderDictionary headers, string contentSecurityPolicy)
    {
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers.ContentSecurityPolicy = contentSecurityPolicy;
        headers["Permissions-Policy"] = PermissionsPolicy;
    }

    /// <summary>The policy for <paramref name="settings"/>.</summary>
    internal static string ContentSecurityPolicy(DashboardSettings settings)
    {
        var connect = new SortedSet<string>(StringComparer.Ordinal) { "'self'" };
        foreach (var url in new[] { settings.ApiBaseUrl, settings.SseBaseUrl })
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
            {
                connect.Add(uri.GetLeftPart(UriPartial.Authority));
            }
        }

        return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
            $"connect-src {string.Join(' ', connect)}; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
    }
}
