using SseRx.InMemory;
using SseRx.Sentiment;
using SseRx.Tests.Testing;
using static SseRx.Tests.Sentiment.SentimentTestData;

namespace SseRx.Tests.InMemory;

public sealed class InMemorySentimentStoreTests
{
    private static readonly long Minute = TimeSpan.FromMinutes(1).Ticks;
    private static readonly long Hour = TimeSpan.FromHours(1).Ticks;
    private static readonly long Day = TimeSpan.FromHours(24).Ticks;

    private readonly TestScheduler _scheduler = new();
    private readonly InMemorySentimentStore _store;

    public InMemorySentimentStoreTests() => _store = new InMemorySentimentStore(_scheduler);

    [Fact]
    public async Task First_fetch_of_an_empty_store_returns_no_items_and_a_cursor_at_now()
    {
        _scheduler.AdvanceTo(5 * Minute);

        var batch = await _store.FetchAsync(null, default);

        Assert.Empty(batch.NewItems);
        Assert.Empty(batch.Tickers);
        Assert.Equal(MetricsSnapshot.Empty, batch.Metrics);
        Assert.Equal(SseEventId.AtTime(_scheduler.Now), batch.Cursor);
        Assert.Equal(_scheduler.Now, batch.AsOf);
    }

    [Fact]
    public async Task First_fetch_returns_the_aggregates_but_no_history_and_a_cursor_at_the_newest_item()
    {
        var first = AddNow("a", "AAPL", 0.5);
        _scheduler.AdvanceBy(Minute);
        var second = AddNow("b", "MSFT", -0.5);
        _scheduler.AdvanceBy(Minute);

        var batch = await _store.FetchAsync(null, default);

        Assert.Empty(batch.NewItems);
        Assert.Equal(second.EventId, batch.Cursor);
        Assert.Equal(2, batch.Metrics.Total);
        Assert.Equal(["AAPL", "MSFT"], batch.Tickers.Select(t => t.Ticker));
        Assert.True(first.EventId < second.EventId);
    }

    [Fact]
    public async Task Fetch_after_a_cursor_returns_the_newer_items_oldest_first_and_the_newest_as_cursor()
    {
        var start = await _store.FetchAsync(null, default);
        _scheduler.AdvanceBy(Minute);
        var a = AddNow("a", "AAPL", 0.5);
        _scheduler.AdvanceBy(Minute);
        var b = AddNow("b", "AAPL", 0.1);
        var c = AddNow("c", "MSFT", -0.4); // same millisecond as b: ordered by item id

        var batch = await _store.FetchAsync(start.Cursor, default);

        Assert.Equal([a, b, c], batch.NewItems);
        Assert.Equal(c.EventId, batch.Cursor);
        Assert.Equal(3, batch.Metrics.Total);
        Assert.Equal(new TickerSentiment("AAPL", 0.3, SentimentLabel.Positive), batch.Tickers[0]);

        var next = await _store.FetchAsync(batch.Cursor, default);
        Assert.Empty(next.NewItems);
        Assert.Equal(batch.Cursor, next.Cursor);
    }

    [Fact]
    public async Task Fetch_after_an_item_id_returns_strictly_later_items()
    {
        AddNow("a", "AAPL", 0.5);
        var b = AddNow("b", "AAPL", 0.5);
        var c = AddNow("c", "AAPL", 0.5);

        var batch = await _store.FetchAsync(b.EventId, default);

        Assert.Equal([c], batch.NewItems);
    }

    [Fact]
    public async Task Adding_an_item_id_already_held_is_ignored_exactly_once()
    {
        var original = AddNow("dup", "AAPL", 0.5);
        var start = SseEventId.AtTime(_scheduler.Now);
        _scheduler.AdvanceBy(Minute);
        _store.Add(Item("dup", "MSFT", -0.9, _scheduler.Now));
        _store.Add(original);

        var batch = await _store.FetchAsync(start, default);

        Assert.Equal(1, _store.Count);
        Assert.Equal([original], batch.NewItems);
        Assert.Equal(1, batch.Metrics.Total);
        Assert.False(batch.Metrics.ByTag.ContainsKey("MSFT"));
    }

    public static TheoryData<SentimentItem, string> InvalidItems()
    {
        var valid = Item("ok", "AAPL", 0.5, TestScheduler.Epoch);
        return new()
        {
            { valid with { ItemId = "" }, "item_id" },
            { valid with { ItemId = "has space" }, "item_id" },
            { valid with { ItemId = "line\nbreak" }, "item_id" },
            { valid with { Ticker = "aapl" }, "ticker" },
            { valid with { Ticker = "TOOLONGTICKER" }, "ticker" },
            { valid with { Sentiment = (SentimentLabel)7 }, "sentiment" },
            { valid with { Score = 1.5 }, "score" },
            { valid with { Score = double.NaN }, "score" },
        };
    }

    [Theory]
    [MemberData(nameof(InvalidItems))]
    public async Task An_invalid_item_is_rejected_naming_the_field_and_nothing_is_stored(SentimentItem item, string field)
    {
        var exception = Assert.Throws<ArgumentException>("item", () => _store.Add(item));

        Assert.Contains(field, exception.Message, StringComparison.Ordinal);
        Assert.Equal(0, _store.Count);
        var batch = await _store.FetchAsync(SseEventId.AtTime(TestScheduler.Epoch), default);
        Assert.Empty(batch.NewItems);
        Assert.Equal(MetricsSnapshot.Empty, batch.Metrics);
    }

    [Fact]
    public async Task Items_are_evicted_24_hours_after_their_timestamp()
    {
        var old = AddNow("old", "AAPL", 0.5);
        _scheduler.AdvanceTo(Hour);
        var young = AddNow("young", "MSFT", 0.5);

        _scheduler.AdvanceTo(Day - TimeSpan.TicksPerMillisecond);
        Assert.Equal(2, _store.Count);

        _scheduler.AdvanceTo(Day);
        Assert.Equal(1, _store.Count);
        Assert.Equal([young], await ReadAsync(SseEventId.AtTime(TestScheduler.Epoch), 10, default));
        var batch = await _store.FetchAsync(SseEventId.AtTime(TestScheduler.Epoch), default);
        Assert.Equal([young], batch.NewItems);
        Assert.Equal(1, batch.Metrics.Total);
        Assert.True(old.EventId < young.EventId);
    }

    [Fact]
    public void An_item_already_24_hours_old_is_not_stored()
    {
        _scheduler.AdvanceTo(2 * Day);

        _store.Add(Item("stale", "AAPL", 0.5, _scheduler.Now - TimeSpan.FromHours(24)));

        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public void An_evicted_item_id_is_forgotten_so_the_id_set_stays_bounded()
    {
        AddNow("reused", "AAPL", 0.5);
        _scheduler.AdvanceTo(Day);

        AddNow("reused", "AAPL", 0.5);

        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public async Task Eviction_and_reads_stay_consistent_over_two_days_of_items()
    {
        // An item every 10 minutes for 48 hours: evicts (and compacts) the first day's items as time passes.
        var added = new List<SentimentItem>();
        for (var i = 0; i < 288; i++)
        {
            _scheduler.AdvanceTo(i * 10 * Minute);
            added.Add(AddNow($"i{i:D3}", i % 2 == 0 ? "AAPL" : "MSFT", 0.5));
        }

        var expected = added.Where(item => item.Timestamp > _scheduler.Now - TimeSpan.FromHours(24)).ToList();
        Assert.Equal(expected.Count, _store.Count);
        Assert.Equal(expected, await ReadAsync(SseEventId.AtTime(TestScheduler.Epoch), 1000, default));

        var cursor = added[250].EventId;
        var batch = await _store.FetchAsync(cursor, default);
        Assert.Equal(added.Skip(251), batch.NewItems);
        Assert.Equal(added[^1].EventId, batch.Cursor);
    }

    [Fact]
    public async Task Items_are_kept_in_event_id_order_whatever_the_order_they_are_added_in()
    {
        _scheduler.AdvanceTo(10 * Minute);
        var latest = AddNow("b", "AAPL", 0.5);
        var earlier = Item("z", "AAPL", 0.5, _scheduler.Now - TimeSpan.FromMinutes(5));
        var sameMs = Item("a", "AAPL", 0.5, _scheduler.Now);
        _store.Add(earlier);
        _store.Add(sameMs);

        var all = await ReadAsync(SseEventId.AtTime(TestScheduler.Epoch), 10, default);

        Assert.Equal([earlier, sameMs, latest], all);
    }

    [Fact]
    public async Task Fetch_skips_an_item_stamped_before_a_cursor_already_handed_out_but_history_finds_it()
    {
        // The documented assumption: items are stamped with the store's clock. This pins what happens otherwise.
        _scheduler.AdvanceTo(10 * Minute);
        AddNow("a", "AAPL", 0.5);
        var cursor = (await _store.FetchAsync(null, default)).Cursor!.Value;
        var late = Item("late", "AAPL", 0.5, _scheduler.Now - TimeSpan.FromMinutes(1));
        _store.Add(late);

        var batch = await _store.FetchAsync(cursor, default);

        Assert.Empty(batch.NewItems);
        Assert.Equal(2, batch.Metrics.Total);
        Assert.Contains(late, await ReadAsync(SseEventId.AtTime(TestScheduler.Epoch), 10, default));
    }

    [Fact]
    public async Task ReadAfter_returns_at_most_max_items_strictly_after_the_cursor_oldest_first()
    {
        var items = Enumerable.Range(0, 5).Select(i =>
        {
            _scheduler.AdvanceBy(Minute);
            return AddNow($"i{i}", "AAPL", 0.5);
        }).ToList();

        Assert.Equal(items[1..4], await ReadAsync(items[0].EventId, 3, default));
        Assert.Equal(items[3..], await ReadAsync(items[2].EventId, 100, default));
        Assert.Empty(await ReadAsync(items[4].EventId, 100, default));
        Assert.Empty(await ReadAsync(items[0].EventId, 0, default));
    }

    [Fact]
    public async Task Fetch_after_many_items_returns_only_the_new_ones()
    {
        for (var i = 0; i < 10_000; i++)
        {
            _scheduler.AdvanceBy(TimeSpan.TicksPerMillisecond);
            AddNow($"i{i:D5}", "AAPL", 0.5);
        }

        var all = await ReadAsync(SseEventId.AtTime(TestScheduler.Epoch), 10_000, default);
        var batch = await _store.FetchAsync(all[9_989].EventId, default);

        Assert.Equal(all.Skip(9_990), batch.NewItems);
        Assert.Equal(10_000, batch.Metrics.Total);
    }

    [Fact]
    public async Task Concurrent_writers_store_each_item_id_exactly_once()
    {
        var items = Enumerable.Range(0, 2_000).Select(i => Item($"i{i:D4}", "AAPL", 0.5, _scheduler.Now)).ToArray();

        // Four writers race over the same items, each in its own order.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            foreach (var item in w % 2 == 0 ? items : items.Reverse())
            {
                _store.Add(item);
            }
        })));

        Assert.Equal(items.Length, _store.Count);
        Assert.Equal(items, await ReadAsync(SseEventId.AtTime(TestScheduler.Epoch), 10_000, default));
        Assert.Equal(items.Length, (await _store.FetchAsync(null, default)).Metrics.Total);
    }

    [Fact]
    public async Task A_cancelled_token_cancels_fetch_and_read()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _store.FetchAsync(null, cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _store.ReadAfterAsync(default, 1, cts.Token));
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>("scheduler", () => new InMemorySentimentStore(null!));
        Assert.Throws<ArgumentNullException>("item", () => _store.Add(null!));
        Assert.Throws<ArgumentOutOfRangeException>("maxItems", () => _store.ReadAfterAsync(default, -1, default));
    }

    private SentimentItem AddNow(string id, string ticker, double score)
    {
        var item = Item(id, ticker, score, _scheduler.Now);
        _store.Add(item);
        return item;
    }

    /// <summary>A history read that must be answered (the cursor is not older than the store).</summary>
    private async Task<IReadOnlyList<SentimentItem>> ReadAsync(SseEventId after, int maxItems, CancellationToken cancellationToken)
    {
        var items = await _store.ReadAfterAsync(after, maxItems, cancellationToken);
        Assert.NotNull(items);
        return items;
    }
}
