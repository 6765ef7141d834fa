using SseRx.InMemory;
using SseRx.Sentiment;
using SseRx.Tests.Testing;
using static SseRx.Tests.Sentiment.SentimentTestData;

namespace SseRx.Tests.Sentiment;

public sealed class SentimentHistoryTests
{
    [Fact]
    public async Task Replays_the_store_items_after_a_cursor_as_new_item_events_in_order()
    {
        var scheduler = new TestScheduler();
        var store = new InMemorySentimentStore(scheduler);
        var items = Enumerable.Range(0, 4).Select(i =>
        {
            scheduler.AdvanceBy(TimeSpan.TicksPerSecond);
            var item = Item($"i{i}", "AAPL", 0.5, scheduler.Now);
            store.Add(item);
            return item;
        }).ToList();
        var history = new SentimentHistory(store);

        var events = await history.ReadAfterAsync(items[0].EventId, 2, default);

        Assert.NotNull(events);
        Assert.Equal([items[1].EventId, items[2].EventId], events.Select(e => e.Id));
        Assert.All(events, e => Assert.Equal(SseEventTypes.NewItem, e.Type));
        Assert.Equal(SentimentEvents.NewItem(items[1]).Utf8.ToArray(), events[0].Utf8.ToArray());
    }

    [Fact]
    public void Arguments_are_checked() =>
        Assert.Throws<ArgumentNullException>("store", () => new SentimentHistory(null!));
}
