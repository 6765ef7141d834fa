using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseRx.Host.Hosting;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// Store failure with the in-memory store behind a fault-injecting source: during an outage streams stay up on
/// heartbeats and nothing else (no metrics or item is invented), <c>/health</c> says what kind of failure it is, and
/// the first successful poll after it brings everything back, the items written meanwhile included, once each.
/// (The same against a stopped DynamoDB-compatible server is the DynamoDB suite's.)
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class StoreFailureTests(ITestOutputHelper output)
{
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["PollInterval"] = "00:00:00.050",
        ["HeartbeatInterval"] = "00:00:00.100",
    };

    [Fact]
    public async Task A_transient_outage_keeps_heartbeats_invents_nothing_reports_degraded_and_recovers_on_the_first_successful_poll()
    {
        var logs = new LogCapture();
        await using var app = StartWithFaultySource(logs);
        var source = app.Services.GetRequiredService<FaultySource>();
        await using var stream = await app.OpenStreamAsync();
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        var before = app.AddItem();

        // The whole batch (new_item, metrics, sentiment_update): after it nothing changes until the outage.
        await stream.ReadUntilAsync(e => e.EventType == SentimentEventTypes.SentimentUpdate);
        Assert.Contains(before.ItemId, stream.ItemIds());
        Assert.Equal("healthy", (await HealthAsync(app)).GetProperty("status").GetString());
        var lastIdBefore = stream.LastEventId;

        // The outage: throttling, say. Once it has begun, items are still written to the store (by another writer).
        var failuresAtStart = source.Failures;
        source.FailWith(new TimeoutException("Rate of requests exceeds the allowed throughput."));
        var outageStarted = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => source.Failures > failuresAtStart, "a poll failed");
        var written = new[] { app.AddItem("MSFT"), app.AddItem("NVDA"), app.AddItem("AAPL") };

        // Through at least two failed polls (one back-off step): nothing but heartbeats, each still carrying the
        // id of the last real event, so a client reconnecting now would resume exactly where it was.
        var duringOutage = new List<SseItem<string>>();
        while (source.Failures < failuresAtStart + 2 || duringOutage.Count < 5)
        {
            duringOutage.Add(await stream.NextAsync() ?? throw new InvalidOperationException("The stream ended during the outage."));
        }

        var health = await HealthAsync(app);
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        Assert.Equal("degraded", health.GetProperty("poll").GetProperty("state").GetString());
        Assert.True(health.GetProperty("poll").GetProperty("consecutive_failures").GetInt32() >= 2);
        Assert.All(duringOutage, e => Assert.Equal(SseEventTypes.Heartbeat, e.EventType));
        Assert.All(duringOutage, e => Assert.Equal(lastIdBefore, e.EventId));

        source.Recover();
        var recovering = Stopwatch.StartNew();
        var afterOutage = new List<SseItem<string>>();
        var received = new List<string>();
        while (received.Count < written.Length)
        {
            var next = await stream.NextAsync() ?? throw new InvalidOperationException("The stream ended after the outage.");
            afterOutage.Add(next);
            if (next.EventType == SentimentEventTypes.NewItem)
            {
                received.Add(SseStream.Json(next).GetProperty("item_id").GetString()!);
            }
        }

        var recoveredAfter = recovering.Elapsed;
        var outage = outageStarted.Elapsed;
        await stream.ReadUntilAsync(e => e.EventType == SentimentEventTypes.Metrics);
        var metrics = SseStream.Json(stream.Received[^1]);
        health = await HealthAsync(app);
        var fetches = source.Fetches.ToList();
        var firstSuccess = fetches[fetches.FindLastIndex(static f => !f.Succeeded) + 1];
        output.WriteLine(
            $"Store outage (in-memory, transient): {source.Failures - failuresAtStart} failed polls over {outage.TotalSeconds:0.0} s, " +
            $"{duringOutage.Count} heartbeats and no other event meanwhile; recovered {recoveredAfter.TotalSeconds:0.00} s after the store came back, " +
            $"the first successful poll read {firstSuccess.NewItems} items ({written.Length} written during the outage, and the one before it in its look-back)");

        Assert.Equal(written.Select(i => i.ItemId), received);
        Assert.DoesNotContain(afterOutage, e => e.EventType == SentimentEventTypes.NewItem && SseStream.Json(e).GetProperty("item_id").GetString() == before.ItemId);
        // The first successful poll read them all, and the item before the outage, which lies in its look-back for late items.
        Assert.Equal(written.Length + 1, firstSuccess.NewItems);
        Assert.Equal(4, metrics.GetProperty("total").GetInt32());
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.Equal(0, health.GetProperty("poll").GetProperty("consecutive_failures").GetInt32());
        Assert.Contains(logs.Entries, e => e.Category == typeof(SseRxRuntime).FullName && e.Level == LogLevel.Warning && e.Message.Contains("Degraded", StringComparison.Ordinal));
        Assert.Contains(logs.Entries, e => e.Category == typeof(SseRxRuntime).FullName && e.Message.Contains("recovered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_configuration_error_reports_failed_while_streams_keep_their_heartbeats_and_get_nothing_invented()
    {
        var logs = new LogCapture();
        await using var app = StartWithFaultySource(logs);
        var source = app.Services.GetRequiredService<FaultySource>();
        await using var stream = await app.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        var lastIdBefore = stream.LastEventId;

        source.FailWith(new StoreConfigurationException("Requested resource not found: Table: sserx-items not found"));
        app.AddItem();
        JsonElement health = default;
        await Eventually.TrueAsync(
            async () => (health = await HealthAsync(app)).GetProperty("status").GetString() == "failed",
            "health reports the permanent failure");

        var heartbeats = new List<SseItem<string>>();
        for (var i = 0; i < 5; i++)
        {
            heartbeats.Add(await stream.NextAsync() ?? throw new InvalidOperationException("The stream ended during the failure."));
        }

        output.WriteLine($"Store configuration error (in-memory): /health status {health.GetProperty("status").GetString()}, poll state {health.GetProperty("poll").GetProperty("state").GetString()}; streams kept {heartbeats.Count} heartbeats and nothing else");
        Assert.Equal("failed", health.GetProperty("poll").GetProperty("state").GetString());
        Assert.All(heartbeats, e => Assert.Equal(SseEventTypes.Heartbeat, e.EventType));
        Assert.All(heartbeats, e => Assert.Equal(lastIdBefore, e.EventId));
        Assert.DoesNotContain("sserx-items", health.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(logs.Entries, e => e.Category == typeof(SseRxRuntime).FullName && e.Level == LogLevel.Warning && e.Message.Contains("Failed", StringComparison.Ordinal));
    }

    private static SseRxApp StartWithFaultySource(LogCapture logs) =>
        SseRxApp.Start(
            Fast,
            kestrel: true,
            services: services =>
            {
                LogCapture.AddTo(services, logs);
                services.AddSingleton(sp => new FaultySource(sp.GetRequiredService<InMemorySentimentStore>()));
                services.AddSingleton<IEntryLog<SentimentItem>>(sp => sp.GetRequiredService<FaultySource>());
                services.AddSingleton(new StoreFailurePolicy(static e => e is not StoreConfigurationException));
            });

    private static async Task<JsonElement> HealthAsync(SseRxApp app)
    {
        using var response = await app.Client.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.Clone();
    }
}
