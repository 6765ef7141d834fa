using SseRx.Sentiment;
using static SseRx.Tests.Sentiment.SentimentTestData;

namespace SseRx.Tests.Sentiment;

/// <summary>
/// Snapshot event ids (<c>metrics</c>, <c>sentiment_update</c>) come from the fetch time; they must still be unique and
/// increasing when two fetches complete in the same millisecond, because a resume finds its cursor by id.
/// </summary>
public sealed class SentimentBatchMapperIdTests
{
    private static readonly TickerSentiment Aapl = new("AAPL", 0.3, SentimentLabel.Positive);

    private readonly SentimentBatchMapper _mapper = new();

    [Fact]
    public void Snapshots_of_two_fetches_in_the_same_millisecond_get_distinct_increasing_ids()
    {
        var asOf = T0.AddSeconds(5);
        var a = Item("a", "AAPL", 0.5, asOf);
        var first = _mapper.Map(new SentimentBatch([], Metrics(1), [Aapl], SseEventId.AtTime(T0), asOf));

        // Same millisecond, plus an item written in that millisecond after the first fetch read the store.
        var second = _mapper.Map(new SentimentBatch([a], Metrics(2), [Aapl with { Score = 0.5 }], a.EventId, asOf.AddTicks(10)));

        var ids = first.Concat(second).Where(e => e.Type != SseEventTypes.NewItem).Select(e => e.Id).ToList();
        Assert.Equal(
            [
                SseEventId.Create(asOf, "~metrics"),
                SseEventId.Create(asOf, "~sentiment.AAPL"),
                SseEventId.Create(asOf.AddMilliseconds(1), "~metrics"),
                SseEventId.Create(asOf.AddMilliseconds(1), "~sentiment.AAPL"),
            ],
            ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public void A_later_fetch_keeps_its_own_time_and_a_batch_without_snapshots_moves_nothing()
    {
        var asOf = T0.AddSeconds(5);
        _mapper.Map(new SentimentBatch([], Metrics(1), [], SseEventId.AtTime(T0), asOf));
        var unchanged = _mapper.Map(new SentimentBatch([], Metrics(1), [], SseEventId.AtTime(T0), asOf));
        var later = _mapper.Map(new SentimentBatch([], Metrics(2), [], SseEventId.AtTime(T0), asOf.AddMilliseconds(1)));

        Assert.Empty(unchanged);
        Assert.Equal(SseEventId.Create(asOf.AddMilliseconds(1), "~metrics"), Assert.Single(later).Id);
    }
}
