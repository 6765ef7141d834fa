using SseRx.Tests.Testing;
using static SseRx.Host.Tests.Sentiment.SentimentTestData;

namespace SseRx.Host.Tests.Sentiment;

public sealed class InMemorySentimentStoreTests
{
    private static readonly long Minute = TimeSpan.FromMinutes(1).Ticks;
    private static readonly long Hour = TimeSpan.FromHours(1).Ticks;
    private static readonly long Day = TimeSpan.FromHours(24).Ticks;

    private readonly TestScheduler _scheduler = new();
    private readonly InMemorySentimentStore _store;

    public InMemorySentimentStoreTests()
    {
        _scheduler.AdvanceTo(Hour);
        _store = new InMemorySentimentStore(_scheduler);
    }

    private static readonly SseEventId Beginning = SseEventId.AtTime(DateTimeOffset.UnixEpoch);

    private async Task<string[]> ReadAsync(SseEventId after, SseEventId through, int max = int.MaxValue, bool newestFirst = false) =>
        [.. (await _store.ReadAsync(new EntryRange(after, through, max, newestFirst), default)).Select(i => i.ItemId)];

    private SseEventId Now => SseEventId.Settled(_scheduler.Now);

    [Fact]
    public async Task A_range_read_returns_the_items_after_its_start_up_to_its_end_oldest_first()
    {
        var a = AddNow("a", "AAPL", 0.5);
        _scheduler.AdvanceBy(Minute);
        AddNow("b", "AAPL", 0.1);
        AddNow("c", "MSFT", -0.4); // the same millisecond as b: ordered by item id
        _scheduler.AdvanceBy(Minute);
        AddNow("d", "MSFT", -0.4);

        Assert.Equal(["a", "b", "c", "d"], await ReadAsync(Beginning, Now));
        Assert.Equal(["b", "c"], await ReadAsync(a.EventId, SseEventId.Settled(_scheduler.Now.AddMinutes(-1))));
        Assert.Equal(["b"], await ReadAsync(a.EventId, Now, max: 1));
    }

    [Fact]
    public async Task A_newest_first_read_returns_the_most_recent_items_of_the_range()
    {
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            AddNow(id, "AAPL", 0.5);
            _scheduler.AdvanceBy(Minute);
        }

        Assert.Equal(["d", "c"], await ReadAsync(Beginning, Now, max: 2, newestFirst: true));
    }

    [Fact]
    public async Task An_item_stamped_at_or_before_what_a_reader_has_read_is_refused_because_it_would_never_be_delivered()
    {
        _store.Add(Item("on-time", "AAPL", 0.5, _scheduler.Now.AddMilliseconds(-20)));
        _scheduler.AdvanceBy(TimeSpan.FromMilliseconds(100).Ticks);
        var read = await ReadAsync(Beginning, Now);

        var error = Assert.Throws<ArgumentException>(() => _store.Add(Item("late", "AAPL", 0.5, _scheduler.Now.AddMilliseconds(-60))));
        _store.Add(Item("recent", "AAPL", 0.5, _scheduler.Now.AddMilliseconds(-40)));

        Assert.Equal(["on-time"], read);
        Assert.Contains("never be delivered", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, _store.Count);
        Assert.Equal(InMemorySentimentStore.DefaultVisibilityDelay, _store.VisibilityDelay);
    }

    [Fact]
    public async Task With_a_longer_visibility_delay_later_writes_are_accepted_and_readers_wait_for_them()
    {
        var store = new InMemorySentimentStore(_scheduler, TimeSpan.FromMilliseconds(200));
        await store.ReadAsync(new EntryRange(Beginning, Now, 10), default);
        store.Add(Item("late", "AAPL", 0.5, _scheduler.Now.AddMilliseconds(-150)));

        Assert.Throws<ArgumentException>(() => store.Add(Item("too-late", "AAPL", 0.5, _scheduler.Now.AddMilliseconds(-250))));
        Assert.Equal(TimeSpan.FromMilliseconds(200), store.VisibilityDelay);
        Assert.Single(await store.ReadAsync(new EntryRange(Beginning, Now, 10), default));
    }

    [Fact]
    public async Task Adding_an_item_id_already_held_is_ignored_exactly_once()
    {
        var original = AddNow("dup", "AAPL", 0.5);
        _scheduler.AdvanceBy(Minute);
        _store.Add(original with { Timestamp = _scheduler.Now, Score = -1 });

        Assert.Equal(1, _store.Count);
        var held = Assert.Single(await _store.ReadAsync(new EntryRange(Beginning, Now, 10), default));
        Assert.Equal(0.5, held.Score);
    }

    public static TheoryData<SentimentItem, string> InvalidItems() => new()
    {
        { Item("", "AAPL", 0.5, T0), "item_id" },
        { Item("~state", "AAPL", 0.5, T0), "item_id" },
        { Item("bad id", "AAPL", 0.5, T0), "item_id" },
        { Item("ok", "aapl", 0.5, T0), "ticker" },
        { new SentimentItem("ok", "AAPL", (SentimentLabel)9, 0.5, T0), "sentiment" },
        { Item("ok", "AAPL", 1.5, T0), "score" },
        { Item("ok", "AAPL", double.NaN, T0), "score" },
    };

    [Theory]
    [MemberData(nameof(InvalidItems))]
    public void An_invalid_item_is_rejected_naming_the_field_and_nothing_is_stored(SentimentItem item, string field)
    {
        var error = Assert.Throws<ArgumentException>(() => _store.Add(item with { Timestamp = _scheduler.Now }));

        Assert.Contains(field, error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task Items_are_evicted_24_hours_after_their_timestamp_and_the_id_is_forgotten()
    {
        AddNow("old", "AAPL", 0.5);
        _scheduler.AdvanceBy(Hour);
        AddNow("young", "MSFT", 0.5);

        _scheduler.AdvanceBy(Day - Hour);
        Assert.Equal(["young"], await ReadAsync(Beginning, Now));

        AddNow("old", "AAPL", 0.5);
        Assert.Equal(2, _store.Count);
    }

    [Fact]
    public void It_holds_everything_after_its_creation_but_not_before_so_a_previous_process_cursor_resyncs()
    {
        var created = SseEventId.AtTime(_scheduler.Now);
        _scheduler.AdvanceBy(Minute);

        Assert.True(_store.HoldsEverythingAfter(created));
        Assert.True(_store.HoldsEverythingAfter(SseEventId.Settled(_scheduler.Now)));
        Assert.False(_store.HoldsEverythingAfter(SseEventId.Settled(_scheduler.Now.AddMinutes(-2))));

        _scheduler.AdvanceBy(Day + Hour);
        Assert.False(_store.HoldsEverythingAfter(created));
    }

    [Fact]
    public async Task Eviction_and_reads_stay_consistent_over_two_days_of_items()
    {
        var added = 0;
        for (var minute = 0; minute < 48 * 60; minute += 7)
        {
            AddNow($"i{minute:D5}", minute % 2 == 0 ? "AAPL" : "MSFT", 0.5);
            added++;
            _scheduler.AdvanceBy(7 * Minute);
        }

        var held = await ReadAsync(Beginning, Now);
        Assert.Equal(_store.Count, held.Length);
        Assert.InRange(held.Length, (24 * 60 / 7) - 1, (24 * 60 / 7) + 1);
        Assert.True(held.SequenceEqual(held.Order(StringComparer.Ordinal)));
        Assert.True(added > held.Length);
    }

    [Fact]
    public async Task Concurrent_writers_store_each_item_id_exactly_once()
    {
        var ids = Enumerable.Range(0, 200).Select(i => $"c{i:D3}").ToArray();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            foreach (var id in ids)
            {
                _store.Add(Item(id, "AAPL", 0.5, _scheduler.Now));
            }
        })));

        Assert.Equal(200, _store.Count);
        Assert.Equal(ids, await ReadAsync(Beginning, Now));
    }

    [Fact]
    public async Task A_cancelled_token_cancels_a_read()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await _store.ReadAsync(new EntryRange(Beginning, Now, 10), cancelled.Token));
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>(() => new InMemorySentimentStore(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemorySentimentStore(_scheduler, TimeSpan.FromTicks(-1)));
        Assert.Throws<ArgumentNullException>(() => _store.Add(null!));
        Assert.Throws<ArgumentNullException>(() => _store.PositionOf(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => _store.ReadAsync(new EntryRange(Beginning, Now, -1), default));
    }

    private SentimentItem AddNow(string id, string ticker, double score)
    {
        var item = Item(id, ticker, score, _scheduler.Now);
        _store.Add(item);
        return item;
    }
}
