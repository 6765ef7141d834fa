using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Hosting;

/// <summary>Cross-origin access: only the configured origins, on the api and stream endpoints.</summary>
public sealed class CorsTests
{
    private const string Dashboard = "https://dashboard.example.com";

    private static readonly Dictionary<string, string?> WithDashboardOrigin = new() { ["Cors:AllowedOrigins:0"] = Dashboard };

    [Theory]
    [InlineData("/api/v2/metrics")]
    [InlineData("/api/v2/stream")]
    public async Task A_configured_origin_is_allowed(string path)
    {
        await using var app = SseRxApp.Start(WithDashboardOrigin);

        using var response = await SendAsync(app, path, Dashboard);

        Assert.Equal(Dashboard, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Fact]
    public async Task Another_origin_gets_no_cors_headers()
    {
        await using var app = SseRxApp.Start(WithDashboardOrigin);

        using var response = await SendAsync(app, "/api/v2/metrics", "https://evil.example.com");

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task With_no_origins_configured_no_origin_is_allowed()
    {
        await using var app = SseRxApp.Start();

        using var response = await SendAsync(app, "/api/v2/metrics", Dashboard);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_preflight_for_the_configuration_api_allows_the_identity_header()
    {
        await using var app = SseRxApp.Start(WithDashboardOrigin);
        using var request = new HttpRequestMessage(HttpMethod.Options, "/api/v2/configurations");
        request.Headers.Add("Origin", Dashboard);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "content-type,x-user-id");

        using var response = await app.Client.SendAsync(request);

        Assert.True(response.IsSuccessStatusCode, $"preflight status {(int)response.StatusCode}");
        Assert.Equal(Dashboard, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        var allowed = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers"));
        Assert.Contains("x-user-id", allowed, StringComparison.OrdinalIgnoreCase);
    }

    private static Task<HttpResponseMessage> SendAsync(SseRxApp app, string path, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", origin);
        return app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
