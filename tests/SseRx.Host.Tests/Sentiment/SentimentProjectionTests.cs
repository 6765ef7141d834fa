using static SseRx.Host.Tests.Sentiment.SentimentTestData;

namespace SseRx.Host.Tests.Sentiment;

public sealed class SentimentProjectionTests
{
    private static List<SseEvent> Collect(SentimentProjection projection, DateTimeOffset watermark)
    {
        var changes = new List<SseEvent>();
        projection.Collect(watermark, changes);
        return changes;
    }

    [Fact]
    public void The_first_collect_sends_the_metrics_and_every_ticker_with_ids_at_the_watermark()
    {
        var projection = new SentimentProjection();
        projection.Apply(Item("a", "AAPL", 0.5, T0));
        projection.Apply(Item("b", "MSFT", -0.5, T0.AddSeconds(1)));

        var changes = Collect(projection, T0.AddSeconds(5));

        var at = T0.AddSeconds(5).ToUnixTimeMilliseconds();
        Assert.Equal(
            [$"{at:D13}-~metrics", $"{at:D13}-~sentiment.AAPL", $"{at:D13}-~sentiment.MSFT"],
            changes.Select(e => e.Id.ToString()));
        Assert.Equal([SentimentEventTypes.Metrics, SentimentEventTypes.SentimentUpdate, SentimentEventTypes.SentimentUpdate], changes.Select(e => e.Type));
        Assert.Equal(2, ((MetricsSnapshot)changes[0].Payload!).Total);
        Assert.Equal(["metrics", "sentiment.AAPL", "sentiment.MSFT"], changes.Select(e => e.Id.StateKey));
    }

    [Fact]
    public void The_first_metrics_are_sent_even_when_there_is_nothing()
    {
        var changes = Collect(new SentimentProjection(), T0);

        Assert.Equal(MetricsSnapshot.Empty, Assert.Single(changes).Payload);
    }

    [Fact]
    public void Later_collects_send_only_what_changed()
    {
        var projection = new SentimentProjection();
        projection.Apply(Item("a", "AAPL", 0.5, T0));
        projection.Apply(Item("b", "MSFT", -0.5, T0));
        Collect(projection, T0.AddSeconds(1));

        Assert.Empty(Collect(projection, T0.AddSeconds(2)));

        projection.Apply(Item("c", "MSFT", 0.9, T0.AddSeconds(3)));
        var changes = Collect(projection, T0.AddSeconds(4));

        Assert.Equal([SentimentEventTypes.Metrics, SentimentEventTypes.SentimentUpdate], changes.Select(e => e.Type));
        Assert.Equal("MSFT", changes[1].Topic);
    }

    [Fact]
    public void A_ticker_that_leaves_the_hour_is_forgotten_and_announced_again_when_it_returns()
    {
        var projection = new SentimentProjection();
        projection.Apply(Item("a", "AAPL", 0.5, T0));
        Collect(projection, T0);
        Assert.DoesNotContain(Collect(projection, T0.AddMinutes(61)), e => e.Type == SentimentEventTypes.SentimentUpdate);

        projection.Apply(Item("b", "AAPL", 0.5, T0.AddMinutes(62)));

        Assert.Contains(Collect(projection, T0.AddMinutes(63)), e => e.Type == SentimentEventTypes.SentimentUpdate && e.Topic == "AAPL");
    }

    [Fact]
    public void Two_projections_fed_the_same_items_compute_the_same_state_at_the_same_watermark()
    {
        var items = Enumerable.Range(0, 50).Select(i => Item($"i{i}", i % 3 == 0 ? "AAPL" : "TSLA", (i % 7 / 3.5) - 1, T0.AddSeconds(i * 13))).ToList();
        var first = new SentimentProjection();
        var second = new SentimentProjection();
        items.ForEach(first.Apply);
        items.Take(20).ToList().ForEach(second.Apply);
        Collect(second, T0.AddSeconds(300));
        items.Skip(20).ToList().ForEach(second.Apply);

        var watermark = T0.AddMinutes(20);
        var a = Collect(first, watermark).ToDictionary(e => e.Id);
        var b = Collect(second, watermark).ToDictionary(e => e.Id);

        // The second sent some of its state earlier; what it sends now agrees with the first, byte for byte.
        Assert.NotEmpty(b);
        Assert.All(b, kv => Assert.Equal(a[kv.Key].Utf8.ToArray(), kv.Value.Utf8.ToArray()));
    }

    [Fact]
    public void Invalid_items_are_skipped_instead_of_ending_the_stream()
    {
        var projection = new SentimentProjection();
        projection.Apply(Item("bad id", "AAPL", 0.5, T0));
        projection.Apply(null!);
        projection.Apply(Item("ok", "AAPL", 0.5, T0));

        Assert.Equal(1, ((MetricsSnapshot)Collect(projection, T0).First().Payload!).Total);
    }

    [Fact]
    public void Its_window_is_the_24_hour_metrics_window()
    {
        Assert.Equal(TimeSpan.FromHours(24), new SentimentProjection().Window);
        Assert.Throws<ArgumentNullException>(() => new SentimentProjection().Collect(T0, null!));
    }
}
