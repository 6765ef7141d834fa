using SseRx.Sentiment;
using static SseRx.Tests.Sentiment.SentimentTestData;

namespace SseRx.Tests.Sentiment;

public sealed class SentimentBatchMapperTests
{
    private static readonly TickerSentiment Aapl = new("AAPL", 0.3, SentimentLabel.Positive);
    private static readonly TickerSentiment Msft = new("MSFT", -0.1, SentimentLabel.Neutral);

    private readonly SentimentBatchMapper _mapper = new();

    [Fact]
    public void A_batch_maps_to_new_items_oldest_first_then_metrics_then_ticker_updates_in_id_order()
    {
        var asOf = T0.AddSeconds(5);
        var a = Item("a", "AAPL", 0.3, T0);
        var b = Item("b", "MSFT", -0.1, T0.AddSeconds(1));

        var events = _mapper.Map(Batch([a, b], Metrics(2), [Aapl, Msft], b.EventId, asOf));

        Assert.Equal(
            [
                (SseEventTypes.NewItem, a.EventId),
                (SseEventTypes.NewItem, b.EventId),
                (SseEventTypes.Metrics, SseEventId.Create(asOf, "~metrics")),
                (SseEventTypes.SentimentUpdate, SseEventId.Create(asOf, "~sentiment.AAPL")),
                (SseEventTypes.SentimentUpdate, SseEventId.Create(asOf, "~sentiment.MSFT")),
            ],
            events.Select(e => (e.Type, e.Id)));
        Assert.Same(a, events[0].Payload);
        Assert.Equal(Aapl, events[3].Payload);
        Assert.Equal("AAPL", events[3].Ticker);

        // Ids ascend in emission order, so resuming by id comparison (on another instance) loses nothing.
        Assert.Equal(events.Select(e => e.Id).Order(), events.Select(e => e.Id));
    }

    [Fact]
    public void The_first_metrics_are_always_sent_even_when_empty()
    {
        var events = _mapper.Map(Batch([], MetricsSnapshot.Empty, [], null, T0));

        var metrics = Assert.Single(events);
        Assert.Equal(SseEventTypes.Metrics, metrics.Type);
        Assert.Same(MetricsSnapshot.Empty, metrics.Payload);
    }

    [Fact]
    public void Metrics_are_sent_only_when_they_differ_by_value_from_the_last_sent()
    {
        _mapper.Map(Batch([], Metrics(1, ("AAPL", 1)), [], null, T0));

        var same = _mapper.Map(Batch([], Metrics(1, ("AAPL", 1)), [], null, T0.AddSeconds(5)));
        var changedByTag = _mapper.Map(Batch([], Metrics(1, ("MSFT", 1)), [], null, T0.AddSeconds(10)));
        var back = _mapper.Map(Batch([], Metrics(1, ("AAPL", 1)), [], null, T0.AddSeconds(15)));

        Assert.Empty(same);
        Assert.Equal(SseEventTypes.Metrics, Assert.Single(changedByTag).Type);
        Assert.Equal(SseEventTypes.Metrics, Assert.Single(back).Type);
    }

    [Fact]
    public void A_sentiment_update_is_sent_only_for_tickers_whose_sentiment_changed()
    {
        _mapper.Map(Batch([], Metrics(2), [Aapl, Msft], null, T0));

        var msftMoved = Msft with { Score = 0.05 };
        var events = _mapper.Map(Batch([], Metrics(2), [Aapl, msftMoved], null, T0.AddSeconds(5)));

        var update = Assert.Single(events);
        Assert.Equal(SseEventTypes.SentimentUpdate, update.Type);
        Assert.Equal(msftMoved, update.Payload);

        var labelOnly = Aapl with { Label = SentimentLabel.Neutral };
        Assert.Equal(labelOnly, Assert.Single(_mapper.Map(Batch([], Metrics(2), [labelOnly, msftMoved], null, T0.AddSeconds(10)))).Payload);
    }

    [Fact]
    public void A_ticker_that_leaves_the_batch_is_forgotten_and_announced_again_when_it_returns()
    {
        _mapper.Map(Batch([], Metrics(2), [Aapl, Msft], null, T0));

        Assert.Empty(_mapper.Map(Batch([], Metrics(2), [Msft], null, T0.AddSeconds(5))));
        var returned = _mapper.Map(Batch([], Metrics(2), [Aapl, Msft], null, T0.AddSeconds(10)));

        Assert.Equal(Aapl, Assert.Single(returned).Payload);
    }

    [Fact]
    public void New_items_are_sent_each_time_they_are_in_a_batch_without_change_detection()
    {
        var item = Item("a", "AAPL", 0.3, T0);
        _mapper.Map(Batch([item], Metrics(1), [], item.EventId, T0));

        var next = Item("b", "AAPL", 0.3, T0.AddSeconds(1));
        var events = _mapper.Map(Batch([next], Metrics(1), [], next.EventId, T0.AddSeconds(5)));

        Assert.Equal(next, Assert.Single(events).Payload);
    }

    [Fact]
    public void The_cursor_follows_the_batches_and_survives_a_batch_without_one()
    {
        Assert.Null(_mapper.Cursor);
        var first = SseEventId.Create(T0, "a");

        _mapper.Map(Batch([], Metrics(0), [], first, T0));
        Assert.Equal(first, _mapper.Cursor);

        _mapper.Map(Batch([], Metrics(0), [], null, T0.AddSeconds(5)));
        Assert.Equal(first, _mapper.Cursor);

        var second = SseEventId.Create(T0.AddSeconds(6), "b");
        _mapper.Map(Batch([], Metrics(0), [], second, T0.AddSeconds(10)));
        Assert.Equal(second, _mapper.Cursor);
    }

    [Fact]
    public void LatestMetrics_is_the_last_batch_metrics_whether_or_not_they_were_sent()
    {
        Assert.Null(_mapper.LatestMetrics);
        _mapper.Map(Batch([], Metrics(1), [], null, T0));
        var equal = Metrics(1);

        _mapper.Map(Batch([], equal, [], null, T0.AddSeconds(5)));

        Assert.Same(equal, _mapper.LatestMetrics);
    }

    [Fact]
    public void Invalid_items_and_tickers_are_skipped_instead_of_ending_the_stream()
    {
        var good = Item("good", "AAPL", 0.3, T0);
        var badId = Item("bad id", "AAPL", 0.3, T0);
        var badTicker = new TickerSentiment("bad ticker", 0.1, SentimentLabel.Neutral);

        var events = _mapper.Map(Batch([badId, good, null!], Metrics(1), [badTicker, Aapl, null!], good.EventId, T0));

        Assert.Equal(
            [SseEventTypes.NewItem, SseEventTypes.Metrics, SseEventTypes.SentimentUpdate],
            events.Select(e => e.Type));
        Assert.Same(good, events[0].Payload);
    }

    [Fact]
    public void A_batch_that_fails_to_map_changes_no_state()
    {
        var cursor = SseEventId.Create(T0, "a");
        _mapper.Map(Batch([], Metrics(1), [Aapl], cursor, T0));
        var moved = Aapl with { Score = 0.9 };
        // NaN cannot be written as JSON, so creating the metrics event throws after the update was prepared.
        var unwritable = new MetricsSnapshot(2, 2, 0, 0, new Dictionary<string, int>(), double.NaN, 0);

        Assert.ThrowsAny<ArgumentException>(() => _mapper.Map(Batch([], unwritable, [moved], SseEventId.Create(T0, "b"), T0.AddSeconds(5))));

        Assert.Equal(cursor, _mapper.Cursor);
        var retried = _mapper.Map(Batch([], Metrics(2), [moved], SseEventId.Create(T0, "b"), T0.AddSeconds(10)));
        Assert.Equal([SseEventTypes.Metrics, SseEventTypes.SentimentUpdate], retried.Select(e => e.Type));
    }

    private static SentimentBatch Batch(
        IReadOnlyList<SentimentItem> items, MetricsSnapshot metrics, IReadOnlyList<TickerSentiment> tickers, SseEventId? cursor, DateTimeOffset asOf) =>
        new(items, metrics, tickers, cursor, asOf);
}
