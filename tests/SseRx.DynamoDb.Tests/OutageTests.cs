using System.Reactive.Concurrency;
using System.Text.Json;
using SseRx.Host.Configurations;
using SseRx.DynamoDb.Tests.Host;
using SseRx.DynamoDb.Tests.Infrastructure;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.DynamoDb.Tests;

/// <summary>
/// The server goes away and comes back: the poller degrades without ending the stream or sending a false update,
/// and recovers on its first successful poll. These tests own their server, so stopping it disturbs no one.
/// </summary>
public sealed class OutageTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    // The host backs off from 1 s, doubling, while the server is down: recovery can take a few back-off steps.
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);

    private DynaliteServer _server = null!;

    public async Task InitializeAsync() => _server = await DynaliteServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_feed_degrades_while_the_server_is_down_sends_nothing_false_and_recovers_on_the_first_good_poll()
    {
        var options = await CreateTablesAsync("outage");
        using var client = _server.CreateClient();
        var writer = new DynamoDbSentimentWriter(client, options);
        var store = new DynamoDbSentimentStore(client, options, Scheduler.Default);
        var health = new PollHealth();
        var feed = SentimentFeed.Create(
            store,
            new PollOptions
            {
                Interval = TimeSpan.FromMilliseconds(200),
                InitialBackoff = TimeSpan.FromMilliseconds(100),
                MaxBackoff = TimeSpan.FromMilliseconds(400),
                IsTransient = DynamoDbErrors.IsTransient,
            },
            Scheduler.Default,
            health);
        MetricsSnapshot? latestMetrics = null;
        using var events = new Recorder<SseEvent>(System.Reactive.Linq.Observable.Do(
            System.Reactive.Linq.Observable.SelectMany(feed, b => b.Events),
            e => latestMetrics = e.Payload as MetricsSnapshot ?? latestMetrics));
        using var states = new Recorder<PollStatus>(health);

        // Written after the first poll (the bootstrap), so it is a new item rather than history.
        await WaitForAsync(states, s => s.State == PollState.Healthy);
        await writer.WriteAsync(Item("before"), default);
        Assert.Equal("before", await NextItemIdAsync(events));

        // The batch that carried the item ends with AAPL's first sentiment_update (after its metrics event):
        // after it, the feed has nothing more to say until something changes.
        await NextOfTypeAsync(events, SentimentEventTypes.SentimentUpdate);
        var metricsBefore = latestMetrics;
        Assert.Equal(1, metricsBefore!.Total);
        Assert.Equal(0, events.Pending);

        await _server.StopAsync();
        var degraded = await WaitForAsync(states, s => s.State == PollState.Degraded && s.ConsecutiveFailures >= 3);
        Assert.True(DynamoDbErrors.IsTransient(degraded.LastError!));

        // Three failed polls sent nothing: no empty metrics, no new_item, no error, and the stream is still open.
        Assert.Equal(0, events.Pending);
        Assert.Null(events.Error);
        Assert.False(events.Completed);
        Assert.Equal(metricsBefore, latestMetrics);

        await _server.RestartAsync();
        var recovered = await WaitForAsync(states, s => s.State == PollState.Healthy);
        Assert.Equal(0, recovered.ConsecutiveFailures);

        // The data survived (on-disk server), so the polls after recovery find no change and send nothing:
        // the next event is the next real item.
        await writer.WriteAsync(Item("after"), default);
        var (next, _) = await events.NextAsync();
        Assert.Equal((SentimentEventTypes.NewItem, "after"), (next.Type, next.Id.Key));
        Assert.Null(events.Error);
    }

    [Fact]
    public async Task A_configuration_watch_reports_no_change_or_deletion_during_an_outage_and_sees_the_next_edit()
    {
        var options = await CreateTablesAsync("watch");
        options.ConfigurationPollInterval = TimeSpan.FromMilliseconds(200);
        var counter = new RequestCounter();
        using var client = _server.CreateClient(counter);
        var store = new DynamoDbConfigurationStore(client, options, Scheduler.Default);
        var created = await store.CreateAsync("alice", "Tech", ["AAPL"], default);
        using var watch = new Recorder<UserConfiguration?>(store.Watch("alice", created.Id));
        Assert.NotNull((await watch.NextAsync()).Value);

        await _server.StopAsync();
        var attempts = counter["GetItem"];
        using (var deadline = new CancellationTokenSource(Deadline))
        {
            while (counter["GetItem"] < attempts + 3)
            {
                await Task.Delay(50, deadline.Token);
            }
        }

        Assert.Equal(0, watch.Pending);

        await _server.RestartAsync();
        var edited = await store.UpdateAsync("alice", created.Id, "Tech", ["NVDA"], default);
        var (value, _) = await watch.NextAsync();
        Assert.Equal(edited!.UpdatedAt, value!.UpdatedAt);
        Assert.Equal(["NVDA"], value.Tickers);
        Assert.Null(watch.Error);
    }

    [Fact]
    public async Task A_host_keeps_its_streams_open_with_heartbeats_reports_degraded_and_recovers_when_the_server_returns()
    {
        var tables = await CreateTablesAsync("host");
        using var client = _server.CreateClient();
        var writer = new DynamoDbSentimentWriter(client, tables);
        await using var host = DynamoDbHost.Start(tables);
        await using var stream = await host.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        var before = Item("before");
        await writer.WriteAsync(before, default);
        await stream.ReadUntilAsync(e => e.EventId == before.EventId.ToString());
        await stream.NextOfTypeAsync(SentimentEventTypes.SentimentUpdate);

        await _server.StopAsync();
        var seenBeforeOutage = stream.Received.Count;
        await Eventually.TrueAsync(async () => await HealthAsync(host) == "degraded", "/health reports the failing poller", Outage);
        var heartbeatsDuringOutage = 0;
        while (heartbeatsDuringOutage < 2)
        {
            var e = await stream.NextAsync();
            Assert.NotNull(e);
            heartbeatsDuringOutage += e.Value.EventType == SseEventTypes.Heartbeat ? 1 : 0;
        }

        await _server.RestartAsync();
        await Eventually.TrueAsync(async () => await HealthAsync(host) == "healthy", "/health reports the recovered poller", Outage);
        var after = Item("after");
        await writer.WriteAsync(after, default);
        await stream.ReadUntilAsync(e => e.EventId == after.EventId.ToString());

        // From the outage to the next real item: heartbeats only. No empty metrics, no resync, no end of stream.
        var inBetween = stream.Received.Skip(seenBeforeOutage).SkipLast(1).Select(e => e.EventType).Distinct();
        Assert.Equal([SseEventTypes.Heartbeat], inBetween);
        Assert.False(stream.Ended);
    }

    private async Task<DynamoDbStoreOptions> CreateTablesAsync(string name)
    {
        var options = new DynamoDbStoreOptions { ServiceUrl = _server.ServiceUrl, ItemsTable = "items-" + name, ConfigurationsTable = "configs-" + name };
        using var client = _server.CreateClient();
        await DynamoDbTables.EnsureCreatedAsync(client, options, allowCreate: true);
        return options;
    }

    private static async Task<string?> HealthAsync(SseRxApp host)
    {
        using var response = await host.Client.GetAsync("/health");
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("status").GetString();
    }

    private static SentimentItem Item(string id) => new(id, "AAPL", SentimentLabel.Positive, 0.4, Scheduler.Default.Now);

    private static async Task<string> NextItemIdAsync(Recorder<SseEvent> events) =>
        (await NextOfTypeAsync(events, SentimentEventTypes.NewItem)).Id.Key;

    private static async Task<SseEvent> NextOfTypeAsync(Recorder<SseEvent> events, string type)
    {
        while (true)
        {
            var (e, _) = await events.NextAsync();
            if (e.Type == type)
            {
                return e;
            }
        }
    }

    private static async Task<PollStatus> WaitForAsync(Recorder<PollStatus> states, Func<PollStatus, bool> condition)
    {
        while (true)
        {
            var (status, _) = await states.NextAsync();
            if (condition(status))
            {
                return status;
            }
        }
    }
}
