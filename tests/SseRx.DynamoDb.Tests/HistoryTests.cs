using System.Reactive.Concurrency;
using SseRx.DynamoDb.Tests.Infrastructure;
using SseRx.Sentiment;
using static SseRx.DynamoDb.Tests.Infrastructure.Items;

namespace SseRx.DynamoDb.Tests;

/// <summary>ReadAfterAsync: resume from the table on a process that never saw the cursor.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class HistoryTests(DynaliteFixture fixture)
{
    [Fact]
    public async Task A_fresh_store_reads_the_items_strictly_after_the_cursor_oldest_first_across_hour_buckets()
    {
        var options = await fixture.CreateTablesAsync();
        var clock = new HistoricalScheduler(Noon.AddMinutes(10));
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);

        // Written out of order, across the 11:00 and 12:00 buckets.
        await writer.WriteBatchAsync(
        [
            At(Noon.AddMinutes(2), "d"),
            At(Noon.AddMinutes(-30), "a"),
            At(Noon.AddMinutes(-1), "c"),
            At(Noon.AddMinutes(-10), "b"),
            At(Noon.AddMinutes(5), "e"),
        ], default);

        // A second store instance with its own client: nothing is shared with the writer's process.
        using var client = fixture.Server.CreateClient();
        var store = new DynamoDbSentimentStore(client, options, clock);

        var afterA = await store.ReadAfterAsync(At(Noon.AddMinutes(-30), "a").EventId, 100, default);
        Assert.Equal(["b", "c", "d", "e"], Ids(afterA));

        var limited = await store.ReadAfterAsync(At(Noon.AddMinutes(-30), "a").EventId, 2, default);
        Assert.Equal(["b", "c"], Ids(limited));

        var afterE = await store.ReadAfterAsync(At(Noon.AddMinutes(5), "e").EventId, 100, default);
        Assert.Empty(Assert.IsAssignableFrom<IReadOnlyList<SentimentItem>>(afterE));
    }

    [Fact]
    public async Task Items_read_back_equal_the_items_written()
    {
        var options = await fixture.CreateTablesAsync();
        var written = new SentimentItem[]
        {
            new("n-1", "BRK.B", SentimentLabel.Negative, -0.875, Noon.AddMilliseconds(1)),
            new("n:2~x", "MSFT", SentimentLabel.Neutral, 0, Noon.AddMilliseconds(2)),
            new("p_3", "NVDA", SentimentLabel.Positive, 1, Noon.AddMilliseconds(3)),
        };
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteBatchAsync(written, default);

        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon.AddMinutes(1)));
        var read = await store.ReadAfterAsync(SseEventId.AtTime(Noon), 10, default);

        Assert.Equal(written, read);
    }

    [Fact]
    public async Task A_time_cursor_includes_the_items_of_its_millisecond_and_the_same_ids_sort_by_key_within_it()
    {
        var options = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);
        await writer.WriteBatchAsync([At(Noon, "b"), At(Noon, "a"), At(Noon.AddMilliseconds(-1), "z")], default);
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon.AddMinutes(1)));

        Assert.Equal(["a", "b"], Ids(await store.ReadAfterAsync(SseEventId.AtTime(Noon), 10, default)));
        Assert.Equal(["b"], Ids(await store.ReadAfterAsync(At(Noon, "a").EventId, 10, default)));
    }

    [Fact]
    public async Task A_store_that_has_never_polled_reads_up_to_now_and_leaves_later_stamped_items_for_later()
    {
        var options = await fixture.CreateTablesAsync();
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteBatchAsync(
            [At(Noon, "now"), At(Noon.AddSeconds(4), "near"), At(Noon.AddSeconds(30), "far")], default);
        var clock = new HistoricalScheduler(Noon);
        var store = new DynamoDbSentimentStore(fixture.Client, options, clock);

        Assert.Equal(["now"], Ids(await store.ReadAfterAsync(SseEventId.AtTime(Noon.AddMinutes(-1)), 10, default)));

        clock.AdvanceBy(TimeSpan.FromSeconds(30));
        Assert.Equal(["now", "near", "far"], Ids(await store.ReadAfterAsync(SseEventId.AtTime(Noon.AddMinutes(-1)), 10, default)));
    }

    [Fact]
    public async Task A_resume_read_before_the_first_poll_and_that_poll_split_at_the_same_point_with_no_gap_and_no_duplicate()
    {
        var options = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);
        await writer.WriteBatchAsync([At(Noon.AddSeconds(-2), "before"), At(Noon.AddSeconds(1), "stamped-ahead")], default);
        var clock = new HistoricalScheduler(Noon);
        var store = new DynamoDbSentimentStore(fixture.Client, options, clock);

        // A cold process: the client's resume read runs first, then the feed's first poll (the bootstrap).
        var history = await store.ReadAfterAsync(SseEventId.AtTime(Noon.AddMinutes(-1)), 10, default);
        clock.AdvanceBy(TimeSpan.FromSeconds(2));
        await writer.WriteAsync(At(Noon.AddMilliseconds(500), "during-bootstrap"), default);
        var bootstrap = await store.FetchAsync(null, default);
        clock.AdvanceBy(TimeSpan.FromSeconds(1));
        var live = await store.FetchAsync(bootstrap.Cursor, default);

        Assert.Equal(["before"], Ids(history));
        Assert.Empty(bootstrap.NewItems);
        Assert.Equal(["during-bootstrap", "stamped-ahead"], Ids(live.NewItems));
    }

    [Fact]
    public async Task A_resume_read_on_a_polling_store_stops_at_the_cursor_the_feed_last_passed_back()
    {
        var options = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);
        await writer.WriteAsync(At(Noon.AddSeconds(-30), "old"), default);
        var clock = new HistoricalScheduler(Noon);
        var store = new DynamoDbSentimentStore(fixture.Client, options, clock);
        var from = SseEventId.AtTime(Noon.AddMinutes(-1));
        var bootstrap = await store.FetchAsync(null, default);

        await writer.WriteAsync(At(Noon.AddSeconds(1), "x"), default);
        clock.AdvanceBy(TimeSpan.FromSeconds(2));
        var first = await store.FetchAsync(bootstrap.Cursor, default);
        Assert.Equal(["x"], Ids(first.NewItems));

        // x was just delivered live; until the feed passes its cursor back, resume reads leave x to the journal.
        Assert.Equal(["old"], Ids(await store.ReadAfterAsync(from, 10, default)));

        await writer.WriteAsync(At(Noon.AddSeconds(3), "y"), default);
        clock.AdvanceBy(TimeSpan.FromSeconds(2));
        var second = await store.FetchAsync(first.Cursor, default);
        Assert.Equal(["y"], Ids(second.NewItems));
        Assert.Equal(["old", "x"], Ids(await store.ReadAfterAsync(from, 10, default)));
    }

    [Fact]
    public async Task A_cursor_older_than_the_window_or_a_non_positive_limit_is_refused()
    {
        var options = await fixture.CreateTablesAsync();
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon));

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => store.ReadAfterAsync(SseEventId.AtTime(Noon.AddHours(-25)), 10, default).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => store.ReadAfterAsync(SseEventId.AtTime(Noon), 0, default).AsTask());
    }

    [Fact]
    public async Task Reading_a_missing_table_fails_with_the_SDK_error_not_an_empty_answer()
    {
        var options = fixture.NewOptions();
        var store = new DynamoDbSentimentStore(fixture.Client, options, new HistoricalScheduler(Noon));

        var error = await Assert.ThrowsAsync<Amazon.DynamoDBv2.Model.ResourceNotFoundException>(
            () => store.ReadAfterAsync(SseEventId.AtTime(Noon), 10, default).AsTask());
        Assert.False(DynamoDbErrors.IsTransient(error));
    }
}
