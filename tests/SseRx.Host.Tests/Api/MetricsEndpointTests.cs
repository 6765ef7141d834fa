using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Api;

/// <summary><c>GET /api/v2/metrics</c>, the dashboard's polling fallback.</summary>
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Without_streams_it_reads_the_store_and_returns_the_metrics_json()
    {
        await using var app = SseRxApp.Start();
        app.AddItem("AAPL", SentimentLabel.Positive, 0.9);
        app.AddItem("AAPL", SentimentLabel.Positive, 0.4);
        app.AddItem("MSFT", SentimentLabel.Negative, -0.5);

        // Metrics are as of the latest poll, and items count once they settle: ask until they show.
        HttpResponseMessage response = null!;
        await Eventually.TrueAsync(async () =>
        {
            response?.Dispose();
            response = await app.Client.GetAsync("/api/v2/metrics");
            return response.StatusCode == HttpStatusCode.OK &&
                JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetInt32() == 3;
        }, "the metrics count the three items");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var metrics = body.RootElement;
        Assert.Equal(
            ["total", "positive", "neutral", "negative", "by_tag", "rate_last_hour", "rate_last_24h"],
            metrics.EnumerateObject().Select(p => p.Name));
        Assert.Equal(3, metrics.GetProperty("total").GetInt32());
        Assert.Equal(2, metrics.GetProperty("positive").GetInt32());
        Assert.Equal(0, metrics.GetProperty("neutral").GetInt32());
        Assert.Equal(1, metrics.GetProperty("negative").GetInt32());
        Assert.Equal(2, metrics.GetProperty("by_tag").GetProperty("AAPL").GetInt32());
        Assert.Equal(1, metrics.GetProperty("by_tag").GetProperty("MSFT").GetInt32());
        Assert.Equal(3, metrics.GetProperty("rate_last_hour").GetDouble());
        response.Dispose();
    }

    [Fact]
    public async Task While_streaming_it_is_the_same_json_as_the_latest_metrics_event()
    {
        await using var app = SseRxApp.Start();
        await using var stream = await app.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        app.AddItem("TSLA", SentimentLabel.Neutral, 0.1);
        var latest = await stream.ReadUntilAsync(e => e.EventType == SentimentEventTypes.Metrics && SseStream.Json(e).GetProperty("total").GetInt32() == 1);

        var body = await app.Client.GetStringAsync("/api/v2/metrics");

        Assert.Equal(latest.Data, body);
    }

    [Fact]
    public async Task A_store_that_cannot_be_read_gives_503_problem_details()
    {
        await using var app = SseRxApp.Start(services: services => services.AddSingleton<IEntryLog<SentimentItem>>(new FailingSource()));

        using var response = await app.Client.GetAsync("/api/v2/metrics");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Requests_within_a_poll_interval_share_one_store_read()
    {
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?> { ["PollInterval"] = "01:00:00" },
            services: services =>
            {
                services.AddSingleton(sp => new CountingSource(sp.GetRequiredService<SseRx.Host.Sentiment.InMemorySentimentStore>()));
                services.AddSingleton<IEntryLog<SentimentItem>>(sp => sp.GetRequiredService<CountingSource>());
            });

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => app.Client.GetStringAsync("/api/v2/metrics")));

        Assert.Equal(1, app.Services.GetRequiredService<CountingSource>().Reads);
    }
}
