using System.Reactive.Concurrency;
using SseRx.DynamoDb.Tests.Infrastructure;
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
        Assert.Empty(afterE);
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
    public async Task Items_stamped_beyond_the_clock_skew_ahead_of_now_are_not_read_yet()
    {
        var options = await fixture.CreateTablesAsync();
        await new DynamoDbSentimentWriter(fixture.Client, options).WriteBatchAsync(
            [At(Noon.AddSeconds(4), "near"), At(Noon.AddSeconds(30), "far")], default);
        var clock = new HistoricalScheduler(Noon);
        var store = new DynamoDbSentimentStore(fixture.Client, options, clock);

        Assert.Equal(["near"], Ids(await store.ReadAfterAsync(SseEventId.AtTime(Noon), 10, default)));

        clock.AdvanceBy(TimeSpan.FromSeconds(30));
        Assert.Equal(["near", "far"], Ids(await store.ReadAfterAsync(SseEventId.AtTime(Noon), 10, default)));
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
