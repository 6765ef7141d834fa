using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Api;

/// <summary><c>GET /health</c>: readiness that stays 200, with the shared poller's state in the body.</summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Before_any_poll_it_is_ready_and_starting()
    {
        await using var app = SseRxApp.Start();

        var health = await GetHealthAsync(app);

        Assert.Equal("starting", health.GetProperty("status").GetString());
        Assert.Equal("starting", health.GetProperty("poll").GetProperty("state").GetString());
        Assert.Equal("all", health.GetProperty("role").GetString());
    }

    [Fact]
    public async Task Once_the_feed_polls_it_is_healthy()
    {
        await using var app = SseRxApp.Start();
        await using var stream = await app.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);

        var health = await GetHealthAsync(app);

        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal(1, health.GetProperty("connections").GetInt32());
        Assert.InRange(health.GetProperty("poll").GetProperty("fetches").GetInt64(), 1, app.Runtime.Feed.FetchCount);
    }

    [Fact]
    public async Task A_failing_store_is_degraded_but_still_200_so_readiness_passes()
    {
        var source = new FailingSource();
        await using var app = SseRxApp.Start(services: services => services.AddSingleton<IEntryLog<SentimentItem>>(source));
        await using var stream = await app.OpenStreamAsync();
        await Eventually.TrueAsync(() => source.Reads > 0, "the feed tried to poll");

        JsonElement health = default;
        await Eventually.TrueAsync(
            async () =>
            {
                health = await GetHealthAsync(app);
                return health.GetProperty("status").GetString() == "degraded";
            },
            "health reports the failing poller");

        Assert.True(health.GetProperty("poll").GetProperty("consecutive_failures").GetInt32() >= 1);
        Assert.DoesNotContain("did not answer", health.GetRawText(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> GetHealthAsync(SseRxApp app)
    {
        using var response = await app.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.Clone();
    }
}
