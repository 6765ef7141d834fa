using SseRx.Sentiment;
using SseRx.Tests.Testing;
using static SseRx.Tests.Sentiment.SentimentTestData;

namespace SseRx.Tests.Sentiment;

/// <summary>
/// The feed losing its last subscriber while a poll completes: the shared subscription has let go of its observers
/// but the poller has not stopped yet, so the batch reaches no one. Its items must be fetched again, not skipped.
/// </summary>
public sealed class SentimentFeedReleaseTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public void A_batch_that_completes_while_the_last_subscriber_leaves_is_fetched_again_by_the_next_subscriber()
    {
        var scheduler = new TestScheduler();
        var source = new FakeSentimentSource(scheduler);
        var start = SseEventId.AtTime(At(0));
        var a = Item("a", "AAPL", 0.5, At(5));
        source.Respond = (_, after, _) => ValueTask.FromResult(
            after is null ? new SentimentBatch([], Metrics(0), [], start, At(0))
            : after == start ? new SentimentBatch([a], Metrics(1), [], a.EventId, scheduler.Now)
            : new SentimentBatch([], Metrics(1), [], after, scheduler.Now));
        var health = new PollHealth();
        var feed = new SentimentFeed(source, new SentimentFeedOptions { Poll = { Interval = Interval } }, scheduler, health);

        // The second poll's success is reported just before its batch is emitted: leaving there is, on one thread,
        // what a disconnect on another thread does while that poll completes.
        IDisposable? leaving = null;
        using var leaveDuringSecondPoll = health.Subscribe(status =>
        {
            if (status.State == PollState.Healthy && source.Fetches.Count == 2)
            {
                leaving?.Dispose();
            }
        });
        var first = scheduler.CreateObserver<SseEvent>();
        leaving = feed.Events.Subscribe(first);
        scheduler.AdvanceTo(At(15).UtcTicks - TestScheduler.Epoch.UtcTicks);
        var second = scheduler.CreateObserver<SseEvent>();
        using var next = feed.Events.Subscribe(second);
        scheduler.AdvanceTo(At(20).UtcTicks - TestScheduler.Epoch.UtcTicks);

        Assert.Equal([null, start, start], source.Fetches.Select(f => f.After));
        Assert.DoesNotContain(first.Messages, m => m.Value.Value?.Type == SseEventTypes.NewItem);
        var item = Assert.Single(second.Messages, m => m.Value.Value?.Type == SseEventTypes.NewItem);
        Assert.Equal(a.EventId, item.Value.Value.Id);
    }

    private static DateTimeOffset At(int seconds) => TestScheduler.Epoch.AddSeconds(seconds);
}
