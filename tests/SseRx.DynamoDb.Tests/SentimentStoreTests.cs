using System.Globalization;
using System.Reactive.Concurrency;
using Amazon.DynamoDBv2.Model;
using SseRx.DynamoDb.Tests.Infrastructure;
using SseRx.Sentiment;
using SseRx.Simulator;
using static SseRx.DynamoDb.Tests.Infrastructure.Items;

namespace SseRx.DynamoDb.Tests;

/// <summary>FetchAsync against a real server: bootstrap, new items once each, late and early writers, hour boundaries.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class SentimentStoreTests(DynaliteFixture fixture)
{
    [Fact]
    public async Task The_first_fetch_builds_the_aggregates_from_the_window_and_returns_no_items()
    {
        var options = await fixture.CreateTablesAsync();
        var now = Noon.AddMinutes(10);
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteBatchAsync(
        [
            At(Noon.AddHours(-25), "too-old", "TSLA"),
            At(Noon.AddHours(-3), "a", "AAPL", SentimentLabel.Positive, 0.6),
            At(Noon.AddMinutes(-30), "b", "MSFT", SentimentLabel.Negative, -0.7),
            At(Noon.AddMinutes(5), "c", "AAPL", SentimentLabel.Neutral, 0.1),
            At(now.AddMinutes(1), "too-early", "TSLA"),
        ], default);
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(now));

        var batch = await store.FetchAsync(null, default);

        Assert.Empty(batch.NewItems);
        Assert.Equal(now, batch.AsOf);
        Assert.Equal((3, 1, 1, 1), (batch.Metrics.Total, batch.Metrics.Positive, batch.Metrics.Neutral, batch.Metrics.Negative));
        Assert.Equal(new Dictionary<string, int> { ["AAPL"] = 2, ["MSFT"] = 1 }, batch.Metrics.ByTag);
        Assert.Equal(["AAPL", "MSFT"], batch.Tickers.Select(t => t.Ticker));
        // The cursor is the moment the fetch started: whatever is stamped later is for the next fetch to deliver.
        Assert.Equal(SseEventId.AtTime(now.AddMilliseconds(1)), batch.Cursor);

        // One query per hour bucket of the window: never a scan, and never per item.
        Assert.InRange(store.LastFetchCost.Requests, 25, 26);
    }

    [Fact]
    public async Task New_items_are_returned_oldest_first_exactly_once_and_update_the_aggregates()
    {
        var options = await fixture.CreateTablesAsync();
        var clock = new HistoricalScheduler(Noon);
        var store = new DynamoDbSentimentStore(fixture.Client, options, clock);
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);
        var first = await store.FetchAsync(null, default);
        Assert.Equal(0, first.Metrics.Total);

        await writer.WriteAsync(At(Noon.AddSeconds(3), "third", "MSFT"), default);
        await writer.WriteAsync(At(Noon.AddSeconds(1), "first", "AAPL", SentimentLabel.Negative, -0.5), default);
        await writer.WriteAsync(At(Noon.AddSeconds(2), "second", "AAPL"), default);
        clock.AdvanceBy(TimeSpan.FromSeconds(5));

        var second = await store.FetchAsync(first.Cursor, default);
        Assert.Equal(["first", "second", "third"], Ids(second.NewItems));
        Assert.Equal((3, 2, 1), (second.Metrics.Total, second.Metrics.Positive, second.Metrics.Negative));
        Assert.Equal(At(Noon.AddSeconds(3), "third").EventId, second.Cursor);

        clock.AdvanceBy(TimeSpan.FromSeconds(5));
        var third = await store.FetchAsync(second.Cursor, default);
        Assert.Empty(third.NewItems);
        Assert.Equal(second.Metrics, third.Metrics);
    }

    [Fact]
    public async Task Items_written_behind_the_cursor_within_the_clock_skew_are_delivered_exactly_once()
    {
        var options = await fixture.CreateTablesAsync(o => o.ClockSkew = TimeSpan.FromSeconds(5));
        var clock = new HistoricalScheduler(Noon);
        var store = new DynamoDbSentimentStore(fixture.Client, options, clock);
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);
        var cursor = (await store.FetchAsync(null, default)).Cursor;

        var t = Noon.AddSeconds(10);
        await writer.WriteAsync(At(t, "on-time"), default);
        clock.AdvanceTo(t.AddSeconds(1));
        var batch = await store.FetchAsync(cursor, default);
        Assert.Equal(["on-time"], Ids(batch.NewItems));
        cursor = batch.Cursor;
        Assert.Equal(At(t, "on-time").EventId, cursor);

        // Writers whose clocks run late stamp items behind the cursor; one item is also written twice.
        await writer.WriteBatchAsync(
        [
            At(t.AddSeconds(-2), "late-2s"),
            At(t.AddMilliseconds(-4900), "late-4.9s"),
            At(t.AddSeconds(-6), "late-6s"),
            At(t, "on-time"),
        ], default);
        clock.AdvanceBy(TimeSpan.FromSeconds(1));
        batch = await store.FetchAsync(cursor, default);

        Assert.Equal(["late-4.9s", "late-2s"], Ids(batch.NewItems));
        Assert.Equal(cursor, batch.Cursor);
        Assert.Equal(3, batch.Metrics.Total);

        for (var i = 0; i < 3; i++)
        {
            clock.AdvanceBy(TimeSpan.FromSeconds(2));
            batch = await store.FetchAsync(batch.Cursor, default);
            Assert.Empty(batch.NewItems);
            Assert.Equal(3, batch.Metrics.Total);
        }

        // Once everything is older than the overlap, nothing is remembered any more: memory stays bounded.
        clock.AdvanceBy(TimeSpan.FromMinutes(1));
        batch = await store.FetchAsync(batch.Cursor, default);
        Assert.Empty(batch.NewItems);
        Assert.Equal(0, store.DeliveredIdCount);
    }

    [Fact]
    public async Task An_item_stamped_far_ahead_waits_for_its_time_and_does_not_push_the_cursor_past_other_items()
    {
        var options = await fixture.CreateTablesAsync();
        var clock = new HistoricalScheduler(Noon);
        var store = new DynamoDbSentimentStore(fixture.Client, options, clock);
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);
        var cursor = (await store.FetchAsync(null, default)).Cursor;

        await writer.WriteBatchAsync([At(Noon.AddSeconds(60), "fast-clock"), At(Noon.AddSeconds(1), "normal")], default);
        clock.AdvanceBy(TimeSpan.FromSeconds(2));
        var batch = await store.FetchAsync(cursor, default);
        Assert.Equal(["normal"], Ids(batch.NewItems));

        clock.AdvanceTo(Noon.AddSeconds(62));
        await writer.WriteAsync(At(Noon.AddSeconds(61), "late-by-1s"), default);
        batch = await store.FetchAsync(batch.Cursor, default);
        Assert.Equal(["fast-clock", "late-by-1s"], Ids(batch.NewItems));
    }

    [Fact]
    public async Task A_poll_across_an_hour_boundary_reads_both_hour_buckets_and_nothing_more()
    {
        var options = await fixture.CreateTablesAsync();
        var clock = new HistoricalScheduler(Noon.AddSeconds(-10));
        var store = new DynamoDbSentimentStore(fixture.Client, options, clock);
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);
        var cursor = (await store.FetchAsync(null, default)).Cursor;

        await writer.WriteBatchAsync([At(Noon.AddSeconds(1), "after"), At(Noon.AddSeconds(-1), "before")], default);
        clock.AdvanceTo(Noon.AddSeconds(2));
        var batch = await store.FetchAsync(cursor, default);

        Assert.Equal(["before", "after"], Ids(batch.NewItems));
        Assert.Equal(2, store.LastFetchCost.Requests);

        // The next poll still re-reads the overlap behind "after", which reaches back into 11:59; the one after that does not.
        clock.AdvanceTo(Noon.AddSeconds(30));
        batch = await store.FetchAsync(batch.Cursor, default);
        Assert.Empty(batch.NewItems);
        Assert.Equal(2, store.LastFetchCost.Requests);

        clock.AdvanceTo(Noon.AddSeconds(35));
        batch = await store.FetchAsync(batch.Cursor, default);
        Assert.Empty(batch.NewItems);
        Assert.Equal(1, store.LastFetchCost.Requests);
    }

    [Fact]
    public async Task Malformed_rows_are_skipped_without_failing_the_poll()
    {
        var options = await fixture.CreateTablesAsync();
        var clock = new HistoricalScheduler(Noon);
        var store = new DynamoDbSentimentStore(fixture.Client, options, clock);
        var cursor = (await store.FetchAsync(null, default)).Cursor;

        var bucket = Noon.UtcDateTime.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture);
        await PutRaw(options, bucket, At(Noon.AddSeconds(1), "bad-label").EventId.ToString(), ("sentiment", "ecstatic"));
        await PutRaw(options, bucket, At(Noon.AddSeconds(2), "bad-ticker").EventId.ToString(), ("ticker", "not a ticker"));
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteAsync(At(Noon.AddSeconds(3), "good"), default);
        clock.AdvanceBy(TimeSpan.FromSeconds(5));

        var batch = await store.FetchAsync(cursor, default);

        Assert.Equal(["good"], Ids(batch.NewItems));
        Assert.Equal(2, store.LastFetchCost.InvalidItems);
    }

    [Fact]
    public async Task A_fresh_store_given_another_processes_cursor_delivers_only_what_follows_it()
    {
        var options = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);
        await writer.WriteBatchAsync([At(Noon.AddSeconds(-20), "old"), At(Noon.AddSeconds(-3), "seen"), At(Noon.AddSeconds(2), "new")], default);

        using var client = fixture.Server.CreateClient();
        var store = new DynamoDbSentimentStore(client, options, new HistoricalScheduler(Noon.AddSeconds(3)));
        var batch = await store.FetchAsync(At(Noon.AddSeconds(-3), "seen").EventId, default);

        Assert.Equal(["new"], Ids(batch.NewItems));
        Assert.Equal(3, batch.Metrics.Total);
    }

    [Fact]
    public async Task Items_written_by_the_simulator_sample_are_delivered_and_counted()
    {
        var options = await fixture.CreateTablesAsync();
        var store = new DynamoDbSentimentStore(fixture.Client, options, Scheduler.Default);
        var cursor = (await store.FetchAsync(null, default)).Cursor;

        using var output = new StringWriter();
        var exit = await SimulatorApp.RunAsync(
            ["--service-url", fixture.Server.ServiceUrl, "--table", options.ItemsTable, "--rate", "40", "--tickers", "AAPL,BRK.B",
             "--seed", "7", "--duration", "1s"],
            _ => null, output, default);
        Assert.Equal(0, exit);
        var written = int.Parse(output.ToString().Split("Done: ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.InRange(written, 10, 60);

        var batch = await store.FetchAsync(cursor, default);

        Assert.Equal(written, batch.NewItems.Count);
        Assert.All(batch.NewItems, item => Assert.StartsWith("sim-", item.ItemId, StringComparison.Ordinal));
        Assert.All(batch.NewItems, item => Assert.Contains(item.Ticker, new[] { "AAPL", "BRK.B" }));
        Assert.Equal(batch.NewItems.OrderBy(i => i.EventId), batch.NewItems);
        Assert.Equal(written, batch.Metrics.Total);
        Assert.Equal(written, batch.Metrics.ByTag.Values.Sum());
    }

    [Fact]
    public async Task The_simulator_reads_settings_from_the_environment_then_the_arguments_and_rejects_bad_ones()
    {
        using var output = new StringWriter();
        Assert.Equal(2, await SimulatorApp.RunAsync(["--rate", "fast"], _ => null, output, default));
        Assert.Contains("--rate 'fast' is not a number", output.ToString(), StringComparison.Ordinal);

        using var help = new StringWriter();
        Assert.Equal(0, await SimulatorApp.RunAsync(["--help"], _ => null, help, default));
        Assert.Contains("--service-url", help.ToString(), StringComparison.Ordinal);

        // The environment uses the host's setting names; arguments override it.
        var settings = SimulatorSettings.Parse(
            ["--rate", "3"],
            name => name switch { "SseRx__DynamoDb__ItemsTable" => "env-table", "SseRx__Simulator__EventsPerSecond" => "9", _ => null });
        Assert.Equal(("env-table", 3.0), (settings.Store.ItemsTable, settings.Simulator.EventsPerSecond));
        Assert.Equal(TimeSpan.FromMinutes(5), SimulatorSettings.Parse(["--duration", "5m"], _ => null).Duration);
        Assert.Equal(TimeSpan.FromSeconds(90), SimulatorSettings.Parse(["--duration", "00:01:30"], _ => null).Duration);
        Assert.False(SimulatorSettings.Parse([], _ => null).Store.CreateTables);
        Assert.True(SimulatorSettings.Parse(["--service-url", "http://localhost:8000"], _ => null).Store.CreateTables);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var options = fixture.NewOptions();
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentStore(null!, options, Scheduler.Default));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentStore(fixture.Client, null!, Scheduler.Default));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentStore(fixture.Client, options, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamoDbSentimentStore(
            fixture.Client, new DynamoDbStoreOptions { ClockSkew = TimeSpan.FromSeconds(-1) }, Scheduler.Default));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentWriter(null!, options));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentWriter(fixture.Client, null!));
    }

    [Fact]
    public async Task The_writer_refuses_invalid_items_and_writes_none_of_a_batch_holding_one()
    {
        var options = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);

        await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(At(Noon, "x", score: 2), default));
        await Assert.ThrowsAsync<ArgumentException>(
            () => writer.WriteBatchAsync([At(Noon, "ok"), At(Noon, "bad", ticker: "lower")], default));

        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon.AddMinutes(1)));
        Assert.Empty(Assert.IsAssignableFrom<IReadOnlyList<SentimentItem>>(await store.ReadAfterAsync(SseEventId.AtTime(Noon.AddMinutes(-1)), 10, default)));
    }

    private Task PutRaw(DynamoDbStoreOptions options, string bucket, string sortKey, (string Name, string Value) bad)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["bucket"] = new() { S = bucket },
            ["sk"] = new() { S = sortKey },
            ["item_id"] = new() { S = sortKey[14..] },
            ["ticker"] = new() { S = "AAPL" },
            ["sentiment"] = new() { S = "positive" },
            ["score"] = new() { N = "0.5" },
            ["timestamp"] = new() { N = sortKey[..13] },
        };
        item[bad.Name] = new AttributeValue { S = bad.Value };
        return fixture.Client.PutItemAsync(new PutItemRequest { TableName = options.ItemsTable, Item = item });
    }
}
