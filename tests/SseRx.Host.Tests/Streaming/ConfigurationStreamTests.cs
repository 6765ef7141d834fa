using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Configurations;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Streaming;

/// <summary>
/// <c>GET /api/v2/configurations/{id}/stream</c>: identity, ownership without existence leaks, and live ticker edits.
/// Identity comes from X-User-ID (trusted in Development).
/// </summary>
public sealed class ConfigurationStreamTests
{
    private static Dictionary<string, string> As(string userId) => new() { ["X-User-ID"] = userId };

    [Fact]
    public async Task Without_an_identity_it_is_401_problem_details()
    {
        await using var app = SseRxApp.Start();
        var configuration = await CreateAsync(app, "alice", "AAPL");

        using var response = await app.Client.GetAsync($"/api/v2/configurations/{configuration.Id}/stream");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, app.Gate.Active);
    }

    [Fact]
    public async Task Another_users_configuration_is_404_exactly_like_a_missing_one()
    {
        await using var app = SseRxApp.Start();
        var alices = await CreateAsync(app, "alice", "AAPL");

        await using var foreign = await app.OpenStreamAsync($"/api/v2/configurations/{alices.Id}/stream", headers: As("mallory"));
        await using var missing = await app.OpenStreamAsync("/api/v2/configurations/does-not-exist/stream", headers: As("mallory"));

        Assert.Equal(HttpStatusCode.NotFound, foreign.Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missing.Response.StatusCode);
        Assert.Equal(await ProblemWithoutTraceAsync(missing.Response), await ProblemWithoutTraceAsync(foreign.Response));
        Assert.Equal(0, app.Gate.Active);
    }

    [Fact]
    public async Task The_stream_carries_only_the_configurations_tickers_and_follows_an_edit_without_reconnecting()
    {
        await using var app = SseRxApp.Start();
        var store = app.Services.GetRequiredService<IConfigurationStore>();
        var configuration = await CreateAsync(app, "alice", "AAPL");
        await using var stream = await app.OpenStreamAsync($"/api/v2/configurations/{configuration.Id}/stream", headers: As("alice"));
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);

        var hiddenBefore = app.AddItem("MSFT");
        var shownBefore = app.AddItem("AAPL");
        await stream.ReadUntilAsync(e => e.EventId == shownBefore.EventId.ToString());

        await store.UpdateAsync("alice", configuration.Id, configuration.Name, ["MSFT"], CancellationToken.None);
        var hiddenAfter = app.AddItem("AAPL");
        var shownAfter = app.AddItem("MSFT");
        await stream.ReadUntilAsync(e => e.EventId == shownAfter.EventId.ToString());

        Assert.Equal([shownBefore.ItemId, shownAfter.ItemId], stream.ItemIds());
        Assert.DoesNotContain(stream.Received, e => e.EventId == hiddenBefore.EventId.ToString() || e.EventId == hiddenAfter.EventId.ToString());
    }

    [Fact]
    public async Task Deleting_the_configuration_ends_its_open_stream()
    {
        await using var app = SseRxApp.Start();
        var store = app.Services.GetRequiredService<IConfigurationStore>();
        var configuration = await CreateAsync(app, "alice", "AAPL");
        await using var stream = await app.OpenStreamAsync($"/api/v2/configurations/{configuration.Id}/stream", headers: As("alice"));
        await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);

        Assert.True(await store.DeleteAsync("alice", configuration.Id, CancellationToken.None));

        await stream.ReadToEndAsync();
        await Eventually.TrueAsync(() => app.Gate.Active == 0, "the ended stream released its lease");
    }

    private static Task<UserConfiguration> CreateAsync(SseRxApp app, string owner, params string[] tickers) =>
        app.Services.GetRequiredService<IConfigurationStore>().CreateAsync(owner, "watchlist", tickers, CancellationToken.None);

    private static async Task<string> ProblemWithoutTraceAsync(HttpResponseMessage response)
    {
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return string.Join(
            ";",
            problem.RootElement.EnumerateObject().Where(p => p.Name != "traceId").Select(p => $"{p.Name}={p.Value.GetRawText()}"));
    }
}
