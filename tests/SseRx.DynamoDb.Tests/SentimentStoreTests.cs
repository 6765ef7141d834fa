using System.Globalization;
using System.Reactive.Concurrency;
using Amazon.DynamoDBv2.Model;
using SseRx.DynamoDb.Tests.Infrastructure;
using SseRx.Simulator;
using static SseRx.DynamoDb.Tests.Infrastructure.Items;

namespace SseRx.DynamoDb.Tests;

/// <summary>The items table as an entry log against a real server: range reads, bounds, hour buckets, bad rows, retention.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class SentimentStoreTests(DynaliteFixture fixture)
{
    private static SseEventId Before(DateTimeOffset time) => SseEventId.AtTime(time);

    private static SseEventId Through(DateTimeOffset time) => SseEventId.Settled(time);

    [Fact]
    public async Task A_range_read_returns_the_items_after_its_start_up_to_its_end_oldest_first_across_hour_buckets()
    {
        var options = await fixture.CreateTablesAsync();
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteBatchAsync(
        [
            At(Noon.AddHours(-2), "two-hours-ago"),
            At(Noon.AddMinutes(-30), "half-an-hour-ago"),
            At(Noon.AddSeconds(-1), "just-before"),
            At(Noon.AddSeconds(1), "just-after"),
            At(Noon.AddHours(2), "later"),
        ], default);
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon.AddHours(3)));

        var items = await store.ReadAsync(new EntryRange(Before(Noon.AddHours(-3)), Through(Noon.AddMinutes(30)), 100), default);

        Assert.Equal(["two-hours-ago", "half-an-hour-ago", "just-before", "just-after"], Ids(items));

        // One query per hour bucket the range spans (09:00 to 12:00), never a scan.
        Assert.Equal(4, store.LastReadCost.Requests);
    }

    [Fact]
    public async Task A_newest_first_read_returns_the_most_recent_items_and_stops_at_the_maximum()
    {
        var options = await fixture.CreateTablesAsync();
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteBatchAsync(
            [.. Enumerable.Range(0, 6).Select(i => At(Noon.AddMinutes(-25 * i), $"i{i}"))], default);
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon));

        var newest = await store.ReadAsync(new EntryRange(Before(Noon.AddHours(-3)), Through(Noon), 3, NewestFirst: true), default);
        var oldest = await store.ReadAsync(new EntryRange(Before(Noon.AddHours(-3)), Through(Noon), 2), default);

        Assert.Equal(["i0", "i1", "i2"], Ids(newest));
        Assert.Equal(["i5", "i4"], Ids(oldest));
    }

    [Fact]
    public async Task The_lower_bound_is_exclusive_and_the_upper_inclusive_even_within_one_millisecond()
    {
        var options = await fixture.CreateTablesAsync();
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteBatchAsync(
            [At(Noon, "b"), At(Noon, "a"), At(Noon, "c"), At(Noon.AddMilliseconds(-1), "z"), At(Noon.AddMilliseconds(1), "next")], default);
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon.AddMinutes(1)));

        Assert.Equal(["c"], Ids(await store.ReadAsync(new EntryRange(At(Noon, "b").EventId, Through(Noon), 10), default)));
        Assert.Equal(["a", "b", "c"], Ids(await store.ReadAsync(new EntryRange(Before(Noon), Through(Noon), 10), default)));
        Assert.Equal(["next"], Ids(await store.ReadAsync(new EntryRange(Through(Noon), Through(Noon.AddSeconds(1)), 10), default)));
    }

    [Fact]
    public async Task Items_read_back_equal_the_items_written()
    {
        var options = await fixture.CreateTablesAsync();
        SentimentItem[] written =
        [
            At(Noon, "p", "AAPL", SentimentLabel.Positive, 0.875),
            At(Noon.AddSeconds(1), "n", "BRK.B", SentimentLabel.Negative, -1),
            At(Noon.AddSeconds(2), "z", "X", SentimentLabel.Neutral, 0),
        ];
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteBatchAsync(written, default);
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon.AddMinutes(1)));

        Assert.Equal(written, await store.ReadAsync(new EntryRange(Before(Noon), Through(Noon.AddMinutes(1)), 10), default));
    }

    [Fact]
    public async Task Malformed_rows_are_skipped_and_counted_without_failing_the_read()
    {
        var options = await fixture.CreateTablesAsync();
        var bucket = Noon.UtcDateTime.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture);
        await PutRaw(options, bucket, At(Noon.AddSeconds(1), "bad-label").EventId.ToString(), ("sentiment", "ecstatic"));
        await PutRaw(options, bucket, At(Noon.AddSeconds(2), "bad-ticker").EventId.ToString(), ("ticker", "not a ticker"));
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteAsync(At(Noon.AddSeconds(3), "good"), default);
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon.AddMinutes(1)));

        var items = await store.ReadAsync(new EntryRange(Before(Noon), Through(Noon.AddMinutes(1)), 10), default);

        Assert.Equal(["good"], Ids(items));
        Assert.Equal(2, store.LastReadCost.InvalidItems);
    }

    [Fact]
    public async Task It_vouches_for_positions_within_the_items_time_to_live_and_not_before()
    {
        var options = fixture.NewOptions();
        options.ItemTimeToLive = TimeSpan.FromDays(2);
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon));

        Assert.True(store.HoldsEverythingAfter(Before(Noon.AddDays(-1))));
        Assert.False(store.HoldsEverythingAfter(Before(Noon.AddDays(-3))));
        Assert.Equal(TimeSpan.FromSeconds(1), store.VisibilityDelay);
        Assert.Equal(At(Noon, "x").EventId, store.PositionOf(At(Noon, "x")));
    }

    [Fact]
    public async Task The_feed_builds_the_aggregates_from_24_hours_emits_the_recent_items_then_each_new_item_once()
    {
        var options = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);
        var now = DateTimeOffset.UtcNow;
        await writer.WriteBatchAsync(
        [
            At(now.AddHours(-25), "too-old", "TSLA"),
            At(now.AddHours(-3), "a", "AAPL", SentimentLabel.Positive, 0.6),
            At(now.AddMinutes(-10), "b", "MSFT", SentimentLabel.Negative, -0.7),
        ], default);
        var store = new DynamoDbSentimentStore(fixture.Client, options, Scheduler.Default);
        var feed = SentimentFeed.Create(store, new PollOptions { Interval = TimeSpan.FromMilliseconds(200) }, Scheduler.Default);
        using var batches = new Recorder<SseBatch>(feed);

        // The first poll: b is within the 15-minute recent window and is emitted; a only counts.
        var (first, _) = await batches.NextAsync();
        Assert.Equal(["b"], first.Events.Where(e => e.Type == SentimentEventTypes.NewItem).Select(e => e.Id.Key));
        var metrics = (MetricsSnapshot)first.Events.Single(e => e.Type == SentimentEventTypes.Metrics).Payload!;
        Assert.Equal((2, 1, 1), (metrics.Total, metrics.Positive, metrics.Negative));

        var c = At(DateTimeOffset.UtcNow, "c", "AAPL");
        await writer.WriteAsync(c, default);
        var events = new List<SseEvent>();
        while (!events.Any(e => e.Id == c.EventId))
        {
            events.AddRange((await batches.NextAsync()).Value.Events);
        }

        Assert.Equal(["c"], events.Where(e => e.Type == SentimentEventTypes.NewItem).Select(e => e.Id.Key));
        Assert.Equal(3, ((MetricsSnapshot)events.Last(e => e.Type == SentimentEventTypes.Metrics).Payload!).Total);
        Assert.Equal(0, feed.SkippedEntries);
    }

    [Fact]
    public async Task Items_written_by_the_simulator_sample_are_delivered_once_each_in_order()
    {
        var options = await fixture.CreateTablesAsync();
        var store = new DynamoDbSentimentStore(fixture.Client, options, Scheduler.Default);
        var start = DateTimeOffset.UtcNow;

        using var output = new StringWriter();
        var exit = await SimulatorApp.RunAsync(
            ["--service-url", fixture.Server.ServiceUrl, "--table", options.ItemsTable, "--rate", "40", "--tickers", "AAPL,BRK.B",
             "--seed", "7", "--duration", "1s"],
            _ => null, output, default);
        Assert.Equal(0, exit);
        var written = int.Parse(output.ToString().Split("Done: ")[1].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.InRange(written, 10, 60);

        var items = await store.ReadAsync(new EntryRange(Before(start.AddSeconds(-1)), Through(DateTimeOffset.UtcNow.AddSeconds(5)), 1000), default);

        Assert.Equal(written, items.Count);
        Assert.All(items, item => Assert.StartsWith("sim-", item.ItemId, StringComparison.Ordinal));
        Assert.All(items, item => Assert.Contains(item.Ticker, new[] { "AAPL", "BRK.B" }));
        Assert.Equal(items.OrderBy(i => i.EventId), items);
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
    public async Task Arguments_are_checked()
    {
        var options = fixture.NewOptions();
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentStore(null!, options, Scheduler.Default));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentStore(fixture.Client, null!, Scheduler.Default));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentStore(fixture.Client, options, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamoDbSentimentStore(
            fixture.Client, new DynamoDbStoreOptions { ClockSkew = TimeSpan.FromSeconds(-1) }, Scheduler.Default));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentWriter(null!, options));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbSentimentWriter(fixture.Client, null!));
        var store = new DynamoDbSentimentStore(fixture.Client, options, Scheduler.Default);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.ReadAsync(new EntryRange(Before(Noon), Through(Noon), -1), default));
        Assert.Throws<ArgumentNullException>(() => store.PositionOf(null!));
    }

    [Fact]
    public async Task Reading_a_missing_table_fails_with_the_SDK_error_not_an_empty_answer()
    {
        var store = new DynamoDbSentimentStore(fixture.Client, fixture.NewOptions(), new HistoricalScheduler(Noon));

        await Assert.ThrowsAsync<ResourceNotFoundException>(
            async () => await store.ReadAsync(new EntryRange(Before(Noon.AddMinutes(-1)), Through(Noon), 10), default));
    }

    [Fact]
    public async Task The_writer_refuses_invalid_items_and_writes_none_of_a_batch_holding_one()
    {
        var options = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);

        await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(At(Noon, "x", score: 2), default));
        await Assert.ThrowsAsync<ArgumentException>(
            () => writer.WriteBatchAsync([At(Noon, "ok"), At(Noon, "bad", ticker: "lower")], default));
        await Assert.ThrowsAsync<ArgumentException>(() => writer.WriteAsync(At(Noon, "~reserved"), default));

        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon.AddMinutes(1)));
        Assert.Empty(await store.ReadAsync(new EntryRange(Before(Noon.AddMinutes(-1)), Through(Noon.AddMinutes(1)), 10), default));
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
