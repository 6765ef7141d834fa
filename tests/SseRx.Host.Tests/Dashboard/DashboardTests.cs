using System.Net;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Dashboard;

/// <summary>The dashboard's files, <c>/config.js</c>, and the browser security headers.</summary>
public sealed class DashboardTests
{
    [Fact]
    public async Task Config_js_carries_the_configured_base_urls_json_encoded()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?>
        {
            ["Dashboard:ApiBaseUrl"] = "https://api.example.com",
            ["Dashboard:SseBaseUrl"] = "https://sse.example.com/s?a=1&b=</script>",
        });

        using var response = await app.Client.GetAsync("/config.js");
        var script = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/javascript", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            "window.SSERX_CONFIG = { API_BASE_URL: \"https://api.example.com\", SSE_BASE_URL: \"https://sse.example.com/s?a=1\\u0026b=\\u003C/script\\u003E\" };\n",
            script);
    }

    [Fact]
    public async Task Config_js_defaults_to_the_same_origin()
    {
        await using var app = SseRxApp.Start();

        var script = await app.Client.GetStringAsync("/config.js");

        Assert.Equal("window.SSERX_CONFIG = { API_BASE_URL: \"\", SSE_BASE_URL: \"\" };\n", script);
    }

    [Fact]
    public async Task The_dashboard_is_served_at_the_root_with_security_headers()
    {
        await using var app = SseRxApp.Start();

        using var response = await app.Client.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_content_security_policy_lets_the_page_connect_to_configured_api_and_sse_origins()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?>
        {
            ["Dashboard:ApiBaseUrl"] = "https://api.example.com/prod",
            ["Dashboard:SseBaseUrl"] = "https://sse.example.com:8443",
        });

        using var response = await app.Client.GetAsync("/config.js");

        var policy = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("connect-src 'self' https://api.example.com https://sse.example.com:8443;", policy, StringComparison.Ordinal);
    }
}
