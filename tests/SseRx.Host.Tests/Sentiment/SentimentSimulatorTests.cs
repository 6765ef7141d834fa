using System.Reactive.Linq;
using SseRx.Tests.Testing;

namespace SseRx.Host.Tests.Sentiment;

public sealed class SentimentSimulatorTests
{
    private static readonly long Second = TimeSpan.FromSeconds(1).Ticks;
    private static readonly long Minute = TimeSpan.FromMinutes(1).Ticks;

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.5)]
    [InlineData(3.0)]
    [InlineData(10.0)]
    [InlineData(25.0)]    // several items per 100 ms tick
    [InlineData(333.3)]   // a fractional number per tick
    [InlineData(2000.0)]
    public void Emits_the_configured_rate_over_a_virtual_minute(double rate)
    {
        var scheduler = new TestScheduler();
        var items = Collect(new SimulatorOptions { EventsPerSecond = rate }, scheduler, Minute);

        var expected = rate * 60;
        Assert.InRange(items.Count, Math.Floor(expected * 0.99) - 1, Math.Ceiling(expected * 1.01) + 1);
    }

    [Fact]
    public void The_first_item_comes_one_period_after_subscription_and_then_one_per_period()
    {
        var scheduler = new TestScheduler();
        var times = new List<long>();
        using var subscription = SentimentSimulator.Generate(new SimulatorOptions { EventsPerSecond = 2 }, scheduler)
            .Subscribe(_ => times.Add(scheduler.Clock));

        scheduler.AdvanceTo(2 * Second);

        Assert.Equal([Second / 2, Second, 3 * Second / 2, 2 * Second], times);
    }

    [Fact]
    public void Above_ten_a_second_items_come_in_groups_every_100_ms()
    {
        var scheduler = new TestScheduler();
        var times = new List<long>();
        using var subscription = SentimentSimulator.Generate(new SimulatorOptions { EventsPerSecond = 25 }, scheduler)
            .Subscribe(_ => times.Add(scheduler.Clock));

        scheduler.AdvanceTo(Second);

        Assert.Equal(25, times.Count);
        Assert.All(times, t => Assert.Equal(0, t % (Second / 10)));
        Assert.Equal(10, times.Distinct().Count());
    }

    [Fact]
    public void The_same_seed_and_schedule_give_the_same_items()
    {
        var options = new SimulatorOptions { EventsPerSecond = 20, Seed = 7 };

        var first = Collect(options, new TestScheduler(), Minute);
        var second = Collect(options, new TestScheduler(), Minute);

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Different_seeds_give_different_items_with_different_ids()
    {
        var a = Collect(new SimulatorOptions { EventsPerSecond = 20, Seed = 1 }, new TestScheduler(), Minute);
        var b = Collect(new SimulatorOptions { EventsPerSecond = 20, Seed = 2 }, new TestScheduler(), Minute);

        Assert.NotEqual(a.Select(i => (i.Ticker, i.Sentiment, i.Score)), b.Select(i => (i.Ticker, i.Sentiment, i.Score)));
        Assert.Empty(a.Select(i => i.ItemId).Intersect(b.Select(i => i.ItemId)));
    }

    [Fact]
    public void Items_are_valid_stamped_with_the_scheduler_clock_and_their_score_agrees_with_their_label()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(TimeSpan.FromDays(20_000).Ticks + 123); // a realistic date, not on a millisecond
        var options = new SimulatorOptions { EventsPerSecond = 50 };
        var items = new List<(SentimentItem Item, DateTimeOffset Now)>();
        using var subscription = SentimentSimulator.Generate(options, scheduler).Subscribe(i => items.Add((i, scheduler.Now)));

        scheduler.AdvanceBy(10 * Minute);

        Assert.Equal(30_000, items.Count);
        Assert.All(items, entry =>
        {
            var (item, now) = entry;
            Assert.Null(item.Validate());
            Assert.Contains(item.Ticker, options.Tickers);
            Assert.Equal(now.ToUnixTimeMilliseconds(), item.Timestamp.ToUnixTimeMilliseconds());
            Assert.Equal(TimeSpan.Zero, item.Timestamp.Offset);
            Assert.Equal(0, item.Timestamp.UtcTicks % TimeSpan.TicksPerMillisecond);
            switch (item.Sentiment)
            {
                case SentimentLabel.Positive:
                    Assert.InRange(item.Score, 0.2001, 1.0);
                    break;
                case SentimentLabel.Negative:
                    Assert.InRange(item.Score, -1.0, -0.2001);
                    break;
                default:
                    Assert.InRange(item.Score, -0.2, 0.2);
                    break;
            }

            Assert.Equal(item.Score, Math.Round(item.Score, 3));
        });
    }

    [Fact]
    public void The_mix_is_weighted_towards_the_first_tickers_and_uses_every_label()
    {
        var items = Collect(new SimulatorOptions { EventsPerSecond = 100 }, new TestScheduler(), 5 * Minute);

        var byTicker = items.GroupBy(i => i.Ticker).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(7, byTicker.Count);
        Assert.True(byTicker["AAPL"] > 3 * byTicker["META"], $"AAPL {byTicker["AAPL"]}, META {byTicker["META"]}");
        Assert.True(byTicker["AAPL"] > byTicker["NVDA"]);

        var byLabel = items.GroupBy(i => i.Sentiment).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(3, byLabel.Count);
        Assert.All(byLabel.Values, count => Assert.True(count > items.Count / 20));
    }

    [Fact]
    public void Each_ticker_has_its_own_slowly_drifting_bias()
    {
        // Over an hour at 50 a second, the per-ticker share of positive items differs between tickers,
        // which a label drawn independently of the ticker would not produce.
        var items = Collect(new SimulatorOptions { EventsPerSecond = 50, Seed = 3 }, new TestScheduler(), 60 * Minute);

        var positiveShare = items.GroupBy(i => i.Ticker)
            .Select(g => g.Count(i => i.Sentiment == SentimentLabel.Positive) / (double)g.Count())
            .ToList();
        Assert.True(positiveShare.Max() - positiveShare.Min() > 0.05, string.Join(", ", positiveShare));
    }

    [Fact]
    public void Ids_are_unique_valid_keys_sorted_in_emission_order_and_carry_the_run_start()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(TimeSpan.FromMilliseconds(0xabc).Ticks);
        var items = new List<SentimentItem>();
        using var subscription = SentimentSimulator.Generate(new SimulatorOptions { EventsPerSecond = 1000, Seed = 42 }, scheduler)
            .Subscribe(items.Add);

        scheduler.AdvanceBy(Second);

        Assert.Equal(1000, items.Count);
        Assert.Equal(items.Count, items.Select(i => i.ItemId).Distinct().Count());
        Assert.All(items, i => Assert.StartsWith("sim-abc-2a-", i.ItemId, StringComparison.Ordinal));
        Assert.All(items, i => Assert.True(SseEventId.IsValidKey(i.ItemId)));
        Assert.Equal(items.Select(i => i.EventId), items.Select(i => i.EventId).Order());
    }

    [Fact]
    public void Runs_started_at_different_times_have_distinct_ids_even_with_the_same_seed()
    {
        var scheduler = new TestScheduler();
        var generator = SentimentSimulator.Generate(new SimulatorOptions { EventsPerSecond = 10 }, scheduler);
        var first = new List<SentimentItem>();
        var second = new List<SentimentItem>();
        using var a = generator.Subscribe(first.Add);
        scheduler.AdvanceBy(TimeSpan.TicksPerMillisecond);
        using var b = generator.Subscribe(second.Add);

        scheduler.AdvanceBy(Minute);

        Assert.NotEmpty(second);
        Assert.Empty(first.Select(i => i.ItemId).Intersect(second.Select(i => i.ItemId)));
    }

    [Fact]
    public void Disposing_the_subscription_stops_the_run()
    {
        var scheduler = new TestScheduler();
        var count = 0;
        var subscription = SentimentSimulator.Generate(new SimulatorOptions { EventsPerSecond = 10 }, scheduler)
            .Subscribe(_ => count++);
        scheduler.AdvanceTo(Second);
        Assert.Equal(10, count);

        subscription.Dispose();
        scheduler.AdvanceTo(Minute);

        Assert.Equal(10, count);
    }

    [Fact]
    public void Never_completes_nor_fails()
    {
        var scheduler = new TestScheduler();

        var res = scheduler.Start(() => SentimentSimulator.Generate(new SimulatorOptions { EventsPerSecond = 5000 }, scheduler), 10 * Second);

        Assert.All(res.Messages, m => Assert.Equal(System.Reactive.NotificationKind.OnNext, m.Value.Kind));
        Assert.InRange(res.Messages.Count, 5000 * 9, 5000 * 10);
    }

    [Fact]
    public void Fills_an_in_memory_store_whose_feed_streams_every_item_once_with_the_metrics()
    {
        var scheduler = new TestScheduler();
        var store = new InMemorySentimentStore(scheduler);
        using var subscription = SentimentSimulator.Generate(new SimulatorOptions { EventsPerSecond = 5 }, scheduler).Subscribe(store.Add);
        var feed = SentimentFeed.Create(store, new PollOptions { Interval = TimeSpan.FromSeconds(1) }, scheduler);
        var events = new List<SseEvent>();
        using var polling = feed.Subscribe(batch => events.AddRange(batch.Events));

        scheduler.AdvanceTo(Minute + TimeSpan.FromSeconds(2).Ticks);

        Assert.Equal(300 + 10, store.Count);
        var items = events.Where(e => e.Type == SentimentEventTypes.NewItem).Select(e => e.Id).ToList();
        Assert.Equal(items.Distinct().Count(), items.Count);
        Assert.InRange(items.Count, 300, 310);
        var metrics = (MetricsSnapshot)events.Last(e => e.Type == SentimentEventTypes.Metrics).Payload!;
        Assert.Equal(items.Count, metrics.Total);
        Assert.Equal(7, events.Where(e => e.Type == SentimentEventTypes.SentimentUpdate).Select(e => e.Topic).Distinct().Count());
    }

    public static TheoryData<SimulatorOptions> InvalidOptions() => new()
    {
        new SimulatorOptions { EventsPerSecond = 0 },
        new SimulatorOptions { EventsPerSecond = -1 },
        new SimulatorOptions { EventsPerSecond = double.NaN },
        new SimulatorOptions { EventsPerSecond = double.PositiveInfinity },
        new SimulatorOptions { EventsPerSecond = SimulatorOptions.MinEventsPerSecond / 2 },
        new SimulatorOptions { EventsPerSecond = SimulatorOptions.MaxEventsPerSecond * 2 },
        new SimulatorOptions { Tickers = [] },
        new SimulatorOptions { Tickers = ["AAPL", "not a ticker"] },
        new SimulatorOptions { Tickers = null! },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Invalid_options_throw_when_the_observable_is_created(SimulatorOptions options)
    {
        Assert.ThrowsAny<ArgumentException>(() => SentimentSimulator.Generate(options, new TestScheduler()));
    }

    [Fact]
    public void Arguments_are_checked()
    {
        Assert.Throws<ArgumentNullException>("options", () => SentimentSimulator.Generate(null!, new TestScheduler()));
        Assert.Throws<ArgumentNullException>("scheduler", () => SentimentSimulator.Generate(new SimulatorOptions(), null!));
    }

    private static List<SentimentItem> Collect(SimulatorOptions options, TestScheduler scheduler, long duration)
    {
        var items = new List<SentimentItem>();
        using var subscription = SentimentSimulator.Generate(options, scheduler).Subscribe(items.Add);
        scheduler.AdvanceBy(duration);
        return items;
    }
}
