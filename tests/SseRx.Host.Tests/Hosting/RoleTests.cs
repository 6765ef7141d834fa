using System.Net;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Hosting;

/// <summary>One build, two roles: which endpoints each maps.</summary>
public sealed class RoleTests
{
    [Fact]
    public async Task The_api_role_serves_rest_and_dashboard_but_no_streams()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["Role"] = "api" });

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(app, "/api/v2/stream"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(app, "/api/v2/configurations/x/stream"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(app, "/api/v2/metrics"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(app, "/"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(app, "/health"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(app, "/config.js"));
    }

    [Fact]
    public async Task The_stream_role_serves_streams_health_and_config_but_no_dashboard_or_rest()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["Role"] = "stream" });

        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(app, "/"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(app, "/index.html"));
        Assert.Equal(HttpStatusCode.NotFound, await StatusAsync(app, "/api/v2/metrics"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(app, "/health"));
        Assert.Equal(HttpStatusCode.OK, await StatusAsync(app, "/config.js"));
        await using var stream = await app.OpenStreamAsync();
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
    }

    private static async Task<HttpStatusCode> StatusAsync(SseRxApp app, string path)
    {
        using var response = await app.Client.GetAsync(path);
        return response.StatusCode;
    }
}
