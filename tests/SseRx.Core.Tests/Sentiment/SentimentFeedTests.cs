using System.Reactive.Linq;
using SseRx.InMemory;
using SseRx.Sentiment;
using SseRx.Tests.Testing;
using static SseRx.Tests.Sentiment.SentimentTestData;

namespace SseRx.Tests.Sentiment;

/// <summary>
/// End-to-end tests of the feed over <see cref="SseObservable.Poll{T}(Func{CancellationToken, Task{T}}, PollOptions, PollHealth?, System.Reactive.Concurrency.IScheduler)"/>.
/// The batch-to-events mapping itself is pinned by <see cref="SentimentBatchMapperTests"/>.
/// </summary>
public sealed class SentimentFeedTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private static readonly TickerSentiment Aapl = new("AAPL", 0.3, SentimentLabel.Positive);

    private readonly TestScheduler _scheduler = new();
    private readonly FakeSentimentSource _source;

    public SentimentFeedTests() => _source = new FakeSentimentSource(_scheduler);

    [Fact]
    public void Each_poll_becomes_new_items_then_changed_metrics_then_changed_tickers()
    {
        var a = Item("a", "AAPL", 0.5, At(5));
        var b = Item("b", "MSFT", -0.5, At(6));
        var aaplMoved = Aapl with { Score = 0.4 };
        var msft = new TickerSentiment("MSFT", -0.5, SentimentLabel.Negative);
        _source.Respond = (n, after, _) => ValueTask.FromResult(n switch
        {
            0 => Batch([], Metrics(1), [Aapl], SseEventId.AtTime(At(0)), At(0)),
            1 => Batch([a, b], Metrics(3), [aaplMoved, msft], b.EventId, At(10)),
            _ => Batch([], Metrics(3), [aaplMoved, msft], after, At(10 * n)),
        });
        var feed = Feed();

        var res = _scheduler.Start(() => feed.Events, 100, 200, At(35).Ticks());

        Assert.Equal(
            [
                (SseEventTypes.Metrics, null),
                (SseEventTypes.SentimentUpdate, "AAPL"),
                (SseEventTypes.NewItem, "AAPL"),
                (SseEventTypes.NewItem, "MSFT"),
                (SseEventTypes.Metrics, null),
                (SseEventTypes.SentimentUpdate, "AAPL"),
                (SseEventTypes.SentimentUpdate, "MSFT"),
            ],
            Values(res).Select(e => (e.Type, e.Ticker)));
        Assert.Equal([null, SseEventId.AtTime(At(0)), b.EventId, b.EventId], _source.Fetches.Select(f => f.After));
        Assert.Equal(Metrics(3), feed.LatestMetrics);
    }

    [Fact]
    public void Polls_once_per_interval()
    {
        var feed = Feed();

        _scheduler.Start(() => feed.Events, 100, 200, At(45).Ticks());

        Assert.Equal(5, _source.Fetches.Count);
        var gaps = _source.Fetches.Zip(_source.Fetches.Skip(1), (x, y) => y.Clock - x.Clock);
        Assert.All(gaps, gap => Assert.InRange(gap, Interval.Ticks, Interval.Ticks + TimeSpan.TicksPerMillisecond));
    }

    [Fact]
    public void Many_subscribers_share_one_poll_and_the_same_serialized_events()
    {
        _source.Respond = (n, after, _) => ValueTask.FromResult(Batch([], Metrics(n), [], after, At(10 * n)));
        var feed = Feed();
        var observers = Enumerable.Range(0, 3).Select(_ => _scheduler.CreateObserver<SseEvent>()).ToList();
        var subscriptions = observers.Select(o => feed.Events.Subscribe(o)).ToList();

        _scheduler.AdvanceTo(At(35).Ticks());
        subscriptions.ForEach(s => s.Dispose());

        Assert.Equal(4, _source.Fetches.Count);
        var first = observers[0].Messages.Select(m => m.Value.Value).ToList();
        Assert.Equal(4, first.Count);
        Assert.All(observers, o => Assert.Equal(first, o.Messages.Select(m => m.Value.Value), ReferenceEqualityComparer.Instance));
    }

    [Fact]
    public void A_late_subscriber_sees_only_later_events_and_adds_no_poll()
    {
        _source.Respond = (n, after, _) => ValueTask.FromResult(Batch([], Metrics(n), [], after, At(10 * n)));
        var feed = Feed();
        var early = _scheduler.CreateObserver<SseEvent>();
        var late = _scheduler.CreateObserver<SseEvent>();
        using var s1 = feed.Events.Subscribe(early);
        _scheduler.AdvanceTo(At(15).Ticks());
        using var s2 = feed.Events.Subscribe(late);

        _scheduler.AdvanceTo(At(25).Ticks());

        Assert.Equal(3, _source.Fetches.Count);
        Assert.Equal(3, early.Messages.Count);
        Assert.Equal(early.Messages[2], Assert.Single(late.Messages));
    }

    [Fact]
    public void A_failed_poll_emits_nothing_keeps_the_cursor_and_never_ends_the_stream()
    {
        var cursor = SseEventId.AtTime(At(0));
        _source.Respond = (n, after, _) => n switch
        {
            0 => ValueTask.FromResult(Batch([], Metrics(1), [Aapl], cursor, At(0))),
            1 => throw new TimeoutException("synchronous failure"),
            2 => ValueTask.FromException<SentimentBatch>(new TimeoutException("asynchronous failure")),
            _ => ValueTask.FromResult(Batch([], Metrics(1), [Aapl], after, _scheduler.Now)),
        };
        var feed = Feed();

        var res = _scheduler.Start(() => feed.Events, 100, 200, At(60).Ticks());

        Assert.Equal([SseEventTypes.Metrics, SseEventTypes.SentimentUpdate], Values(res).Select(e => e.Type));
        Assert.True(_source.Fetches.Count >= 4);
        Assert.All(_source.Fetches.Skip(1), f => Assert.Equal(cursor, f.After));
    }

    [Fact]
    public void An_incomplete_batch_is_a_failed_poll_not_an_error()
    {
        _source.Respond = (n, after, _) => ValueTask.FromResult(n == 0 ? null! : Batch([], Metrics(1), [], after, At(0)));
        var feed = Feed();

        var res = _scheduler.Start(() => feed.Events, 100, 200, At(30).Ticks());

        Assert.Equal(SseEventTypes.Metrics, Assert.Single(Values(res)).Type);
        Assert.True(_source.Fetches.Count >= 2);
    }

    [Fact]
    public void Resubscribing_continues_from_the_feed_cursor_and_does_not_repeat_unchanged_metrics()
    {
        var c1 = SseEventId.Create(At(8), "x");
        var newItem = Item("y", "AAPL", 0.3, At(50));
        _source.Respond = (n, after, _) => ValueTask.FromResult(n switch
        {
            0 => Batch([], Metrics(1), [Aapl], SseEventId.AtTime(At(0)), At(0)),
            1 => Batch([], Metrics(1), [Aapl], c1, At(10)),
            _ => Batch(after == c1 ? [newItem] : [], Metrics(1), [Aapl], newItem.EventId, _scheduler.Now),
        });
        var feed = Feed();
        var first = _scheduler.Start(() => feed.Events, 100, 200, At(15).Ticks());
        Assert.Equal(2, _source.Fetches.Count);

        var second = _scheduler.Start(() => feed.Events, At(55).Ticks(), At(60).Ticks(), At(65).Ticks());

        Assert.Equal([SseEventTypes.Metrics, SseEventTypes.SentimentUpdate], Values(first).Select(e => e.Type));
        Assert.Equal(3, _source.Fetches.Count);
        Assert.True(_source.Fetches[2].Clock >= At(60).Ticks(), "no poll while nobody was subscribed");
        Assert.Equal(c1, _source.Fetches[2].After);
        Assert.Equal([(SseEventTypes.NewItem, newItem.EventId)], Values(second).Select(e => (e.Type, e.Id)));
    }

    [Fact]
    public void The_last_unsubscribe_cancels_a_fetch_in_flight_and_nothing_is_emitted()
    {
        var pending = new TaskCompletionSource<SentimentBatch>();
        _source.Respond = (_, _, _) => new ValueTask<SentimentBatch>(pending.Task);
        var feed = Feed();

        var res = _scheduler.Start(() => feed.Events, 100, 200, At(30).Ticks());

        Assert.Empty(res.Messages);
        var fetch = Assert.Single(_source.Fetches);
        Assert.True(fetch.Token.IsCancellationRequested);
        Assert.Null(feed.LatestMetrics);
    }

    [Fact]
    public void LatestMetrics_is_null_before_the_first_poll_and_the_latest_after()
    {
        _source.Respond = (n, after, _) => ValueTask.FromResult(Batch([], Metrics(7), [], after, At(0)));
        var feed = Feed();
        Assert.Null(feed.LatestMetrics);

        _scheduler.Start(() => feed.Events, 100, 200, At(5).Ticks());

        Assert.Equal(Metrics(7), feed.LatestMetrics);
    }

    [Fact]
    public void Streams_each_item_of_a_simulated_store_once_in_order()
    {
        var store = new InMemorySentimentStore(_scheduler);
        var simulator = SentimentSimulator.Generate(new SimulatorOptions { EventsPerSecond = 3 }, _scheduler).Subscribe(store.Add);
        // The simulator never ends: stop it with the subscription so the virtual clock can run out.
        _scheduler.ScheduleAbsolute(default(object), At(70).Ticks(), (_, _) =>
        {
            simulator.Dispose();
            return System.Reactive.Disposables.Disposable.Empty;
        });
        var feed = new SentimentFeed(store, new SentimentFeedOptions { Poll = { Interval = TimeSpan.FromSeconds(5) } }, _scheduler);

        var res = _scheduler.Start(() => feed.Events, 100, At(10).Ticks(), At(70).Ticks());

        var items = Values(res).Where(e => e.Type == SseEventTypes.NewItem).Select(e => (SentimentItem)e.Payload!).ToList();
        Assert.InRange(items.Count, 3 * 55, 3 * 60);
        Assert.Equal(items.Count, items.Select(i => i.ItemId).Distinct().Count());
        Assert.Equal(items.Select(i => i.EventId).Order(), items.Select(i => i.EventId));
        Assert.All(items, i => Assert.True(i.Timestamp >= At(10)));
        Assert.Contains(Values(res), e => e.Type == SseEventTypes.SentimentUpdate);
        Assert.True(Values(res).Count(e => e.Type == SseEventTypes.Metrics) > 1);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var options = new SentimentFeedOptions();

        Assert.Throws<ArgumentNullException>("source", () => new SentimentFeed(null!, options, _scheduler));
        Assert.Throws<ArgumentNullException>("options", () => new SentimentFeed(_source, null!, _scheduler));
        Assert.Throws<ArgumentNullException>("scheduler", () => new SentimentFeed(_source, options, null!));
        Assert.Throws<ArgumentNullException>("options", () => new SentimentFeed(_source, new SentimentFeedOptions { Poll = null! }, _scheduler));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new SentimentFeed(_source, new SentimentFeedOptions { Poll = { Interval = TimeSpan.Zero } }, _scheduler));
        Assert.Empty(_source.Fetches);
    }

    private static DateTimeOffset At(int seconds) => TestScheduler.Epoch.AddSeconds(seconds);

    private static SentimentBatch Batch(
        IReadOnlyList<SentimentItem> items, MetricsSnapshot metrics, IReadOnlyList<TickerSentiment> tickers, SseEventId? cursor, DateTimeOffset asOf) =>
        new(items, metrics, tickers, cursor, asOf);

    private static List<SseEvent> Values(ITestableObserver<SseEvent> observer)
    {
        Assert.All(observer.Messages, m => Assert.Equal(System.Reactive.NotificationKind.OnNext, m.Value.Kind));
        return observer.Messages.Select(m => m.Value.Value).ToList();
    }

    private SentimentFeed Feed() =>
        new(_source, new SentimentFeedOptions { Poll = { Interval = Interval, InitialBackoff = TimeSpan.FromSeconds(1) } }, _scheduler);
}

internal static class VirtualTimeExtensions
{
    /// <summary>The TestScheduler clock value (ticks since the Unix epoch) of an instant.</summary>
    public static long Ticks(this DateTimeOffset time) => (time - TestScheduler.Epoch).Ticks;
}
