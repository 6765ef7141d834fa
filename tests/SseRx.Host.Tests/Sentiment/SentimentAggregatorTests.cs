using static SseRx.Host.Tests.Sentiment.SentimentTestData;

namespace SseRx.Host.Tests.Sentiment;

public sealed class SentimentAggregatorTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TimeSpan Day = TimeSpan.FromHours(24);
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    [Fact]
    public void Empty_aggregator_reports_zero_metrics_and_no_tickers()
    {
        var aggregator = new SentimentAggregator();

        Assert.Equal(MetricsSnapshot.Empty, aggregator.Metrics(T0));
        Assert.Empty(aggregator.Tickers(T0));
    }

    [Fact]
    public void Metrics_count_items_by_label_and_by_ticker()
    {
        var aggregator = new SentimentAggregator();
        aggregator.Add(
        [
            Item("a", "AAPL", SentimentLabel.Positive, T0),
            Item("b", "AAPL", SentimentLabel.Negative, T0.AddMinutes(1)),
            Item("c", "MSFT", SentimentLabel.Neutral, T0.AddMinutes(2)),
            Item("d", "AAPL", SentimentLabel.Positive, T0.AddMinutes(3)),
        ]);

        var metrics = aggregator.Metrics(T0.AddMinutes(5));

        Assert.Equal(4, metrics.Total);
        Assert.Equal(2, metrics.Positive);
        Assert.Equal(1, metrics.Neutral);
        Assert.Equal(1, metrics.Negative);
        Assert.Equal(["AAPL", "MSFT"], metrics.ByTag.Keys);
        Assert.Equal([3, 1], metrics.ByTag.Values);
    }

    [Fact]
    public void Rates_are_the_last_hour_count_and_the_24_hour_count_over_24_rounded_to_2_decimals()
    {
        var aggregator = new SentimentAggregator();
        var now = T0 + Day;
        // 5 items 5 hours ago (outside the hour, inside the day) and 2 in the last hour.
        aggregator.Add(Enumerable.Range(0, 5).Select(i => Item($"old{i}", "AAPL", 0.5, now - (5 * Hour))));
        aggregator.Add([Item("new1", "AAPL", 0.5, now - TimeSpan.FromMinutes(30)), Item("new2", "MSFT", 0.5, now)]);

        var metrics = aggregator.Metrics(now);

        Assert.Equal(2, metrics.RateLastHour);
        Assert.Equal(0.29, metrics.RateLast24h); // 7 / 24 = 0.291666...
        Assert.Equal(7, metrics.Total);
    }

    [Fact]
    public void Rate_last_24h_rounds_midpoints_away_from_zero()
    {
        var aggregator = new SentimentAggregator();
        // 3 / 24 = 0.125, which banker's rounding would make 0.12.
        aggregator.Add(Enumerable.Range(0, 3).Select(i => Item($"i{i}", "AAPL", 0.5, T0)));

        Assert.Equal(0.13, aggregator.Metrics(T0).RateLast24h);
    }

    [Fact]
    public void An_item_leaves_the_hour_when_its_minute_is_60_minutes_old_but_stays_in_the_24_hours()
    {
        var aggregator = new SentimentAggregator();
        aggregator.Add([Item("a", "AAPL", 0.5, T0.AddSeconds(30))]);

        var justBefore = aggregator.Metrics(T0 + Hour - Ms);
        Assert.Equal(1, justBefore.RateLastHour);
        Assert.Single(aggregator.Tickers(T0 + Hour - Ms));

        // Whole-minute buckets: the item's minute (T0) is now 60 minutes old, 59.5 minutes after the item.
        var after = aggregator.Metrics(T0 + Hour);
        Assert.Equal(0, after.RateLastHour);
        Assert.Empty(aggregator.Tickers(T0 + Hour));
        Assert.Equal(1, after.Total);
        Assert.Equal(1, after.ByTag["AAPL"]);
    }

    [Fact]
    public void An_item_leaves_the_24_hours_when_its_minute_is_24_hours_old_and_its_bucket_is_dropped()
    {
        var aggregator = new SentimentAggregator();
        aggregator.Add([Item("a", "AAPL", SentimentLabel.Negative, T0), Item("b", "MSFT", SentimentLabel.Positive, T0 + Hour)]);

        var justBefore = aggregator.Metrics(T0 + Day - Ms);
        Assert.Equal(2, justBefore.Total);
        Assert.Equal(2, aggregator.BucketCount);

        var after = aggregator.Metrics(T0 + Day);
        Assert.Equal(1, after.Total);
        Assert.Equal(0, after.Negative);
        Assert.Equal(1, after.Positive);
        Assert.False(after.ByTag.ContainsKey("AAPL"));
        Assert.Equal(1, aggregator.BucketCount);
    }

    [Fact]
    public void A_gap_longer_than_the_window_drops_every_bucket()
    {
        var aggregator = new SentimentAggregator();
        aggregator.Add(Enumerable.Range(0, 100).Select(i => Item($"i{i}", "AAPL", 0.5, T0.AddMinutes(i))));

        var metrics = aggregator.Metrics(T0 + TimeSpan.FromDays(3));

        Assert.Equal(MetricsSnapshot.Empty, metrics);
        Assert.Equal(0, aggregator.BucketCount);
    }

    [Fact]
    public void Rolling_score_is_the_mean_of_the_last_hour_rounded_to_3_decimals()
    {
        var aggregator = new SentimentAggregator();
        aggregator.Add(
        [
            Item("old", "AAPL", -1.0, T0), // older than an hour at T0 + 2h: not in the mean
            Item("a", "AAPL", 0.1, T0 + (2 * Hour) - TimeSpan.FromMinutes(10)),
            Item("b", "AAPL", 0.2, T0 + (2 * Hour) - TimeSpan.FromMinutes(5)),
            Item("c", "AAPL", 0.2, T0 + (2 * Hour)),
        ]);

        var sentiment = Assert.Single(aggregator.Tickers(T0 + (2 * Hour)));

        Assert.Equal(new TickerSentiment("AAPL", 0.167, SentimentLabel.Neutral), sentiment);
    }

    [Theory]
    [InlineData(0.201, SentimentLabel.Positive)]
    [InlineData(0.2, SentimentLabel.Neutral)]
    [InlineData(0.0, SentimentLabel.Neutral)]
    [InlineData(-0.2, SentimentLabel.Neutral)]
    [InlineData(-0.201, SentimentLabel.Negative)]
    [InlineData(1.0, SentimentLabel.Positive)]
    [InlineData(-1.0, SentimentLabel.Negative)]
    public void Rolling_label_is_positive_above_0_2_negative_below_minus_0_2_else_neutral(double mean, SentimentLabel expected)
    {
        var aggregator = new SentimentAggregator();
        // Two items averaging to the mean, so the label is judged on the mean, not on an item.
        aggregator.Add([Item("a", "AAPL", mean, T0), Item("b", "AAPL", mean, T0)]);

        Assert.Equal(new TickerSentiment("AAPL", mean, expected), Assert.Single(aggregator.Tickers(T0)));
    }

    [Fact]
    public void Label_is_judged_on_the_rounded_score_so_it_matches_the_score_sent()
    {
        var aggregator = new SentimentAggregator();
        // Mean 0.20004 rounds to 0.2: the label must say neutral, as 0.2 is not above 0.2.
        aggregator.Add([Item("a", "AAPL", 0.20008, T0), Item("b", "AAPL", 0.2, T0)]);

        Assert.Equal(new TickerSentiment("AAPL", 0.2, SentimentLabel.Neutral), Assert.Single(aggregator.Tickers(T0)));
    }

    [Fact]
    public void Tickers_lists_only_tickers_with_items_in_the_last_hour_ordered_by_ticker()
    {
        var aggregator = new SentimentAggregator();
        var now = T0 + (3 * Hour);
        aggregator.Add(
        [
            Item("1", "TSLA", 0.5, now),
            Item("2", "AAPL", -0.5, now - TimeSpan.FromMinutes(59)),
            Item("3", "MSFT", 0.9, now - (2 * Hour)),
            Item("4", "BRK.B", 0.0, now - TimeSpan.FromMinutes(1)),
        ]);

        var tickers = aggregator.Tickers(now);

        Assert.Equal(["AAPL", "BRK.B", "TSLA"], tickers.Select(t => t.Ticker));
        Assert.True(aggregator.Metrics(now).ByTag.ContainsKey("MSFT")); // still in the 24 hours
    }

    [Fact]
    public void Items_older_than_the_window_are_ignored()
    {
        var aggregator = new SentimentAggregator();
        aggregator.Add([Item("now", "AAPL", 0.5, T0 + Day)]);

        aggregator.Add([Item("stale", "MSFT", 0.5, T0), Item("edge", "MSFT", 0.5, T0 + TimeSpan.FromMinutes(1))]);

        var metrics = aggregator.Metrics(T0 + Day);
        Assert.Equal(2, metrics.Total);
        Assert.Equal(1, metrics.ByTag["MSFT"]);
    }

    [Fact]
    public void Items_may_arrive_in_any_order_within_the_window()
    {
        var aggregator = new SentimentAggregator();
        aggregator.Add([Item("late", "AAPL", 0.6, T0 + TimeSpan.FromMinutes(20))]);
        aggregator.Add([Item("early", "AAPL", 0.2, T0 + TimeSpan.FromMinutes(10))]);

        Assert.Equal(2, aggregator.Metrics(T0 + TimeSpan.FromMinutes(20)).Total);
        Assert.Equal(0.4, Assert.Single(aggregator.Tickers(T0 + TimeSpan.FromMinutes(20))).Score);

        // The earlier item leaves the hour first.
        Assert.Equal(0.6, Assert.Single(aggregator.Tickers(T0 + TimeSpan.FromMinutes(70))).Score);
    }

    [Fact]
    public void An_item_stamped_after_now_moves_the_clock_forward_and_counts_at_once()
    {
        var aggregator = new SentimentAggregator();
        aggregator.Add([Item("a", "AAPL", 0.5, T0)]);
        aggregator.Add([Item("future", "MSFT", 0.5, T0 + Day + Hour)]);

        var metrics = aggregator.Metrics(T0);

        Assert.Equal(1, metrics.Total);
        Assert.Equal(1, metrics.ByTag["MSFT"]);
    }

    [Fact]
    public void Memory_is_bounded_by_minutes_not_items()
    {
        var aggregator = new SentimentAggregator();
        var maxBuckets = 0;

        // Three days at 3 items a minute: 12,960 items.
        for (var minute = 0; minute < 3 * 24 * 60; minute++)
        {
            var at = T0.AddMinutes(minute);
            aggregator.Add([Item($"a{minute}", "AAPL", 0.5, at), Item($"b{minute}", "MSFT", -0.5, at.AddSeconds(20)), Item($"c{minute}", "NVDA", 0.0, at.AddSeconds(40))]);
            maxBuckets = Math.Max(maxBuckets, aggregator.BucketCount);
        }

        Assert.Equal(SentimentAggregator.WindowMinutes, maxBuckets);
        var metrics = aggregator.Metrics(T0.AddMinutes((3 * 24 * 60) - 1));
        Assert.Equal(3 * 1440, metrics.Total);
        Assert.Equal(1440, metrics.ByTag["AAPL"]);
        Assert.Equal(180, metrics.RateLastHour);
        Assert.Equal(180, metrics.RateLast24h);
    }

    [Fact]
    public void Many_items_in_one_minute_share_one_bucket()
    {
        var aggregator = new SentimentAggregator();
        aggregator.Add(Enumerable.Range(0, 10_000).Select(i => Item($"i{i}", "AAPL", 0.5, T0.AddMilliseconds(i))));

        Assert.Equal(1, aggregator.BucketCount);
        Assert.Equal(10_000, aggregator.Metrics(T0).Total);
    }

    [Fact]
    public void Add_rejects_null_arguments_and_invalid_items_without_counting_them()
    {
        var aggregator = new SentimentAggregator();

        Assert.Throws<ArgumentNullException>("items", () => aggregator.Add(null!));
        Assert.Throws<ArgumentException>("items", () => aggregator.Add([null!]));
        var invalid = Assert.Throws<ArgumentException>("items", () => aggregator.Add([Item("a", "AAPL", 0.5, T0) with { Score = double.NaN }]));
        Assert.Contains("score", invalid.Message, StringComparison.Ordinal);

        Assert.Equal(MetricsSnapshot.Empty, aggregator.Metrics(T0));
    }
}
