using System.Reactive.Linq;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Testing;

public sealed class TestSchedulerTests
{
    [Fact]
    public void Hot_observable_delivers_only_while_subscribed_and_records_the_subscription()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(150, 1), OnNext(210, 2), OnNext(1100, 3), OnCompleted<int>(1200));

        var res = scheduler.Start(() => xs.Select(x => x * 10));

        res.Messages.AssertEqual(OnNext(210, 20));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Cold_observable_is_timed_from_each_subscription()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateColdObservable(OnNext(10, "a"), OnCompleted<string>(20));

        var res = scheduler.Start(() => xs);

        res.Messages.AssertEqual(OnNext(210, "a"), OnCompleted<string>(220));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Now_starts_at_the_unix_epoch_so_event_ids_can_be_made_from_it()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(TimeSpan.FromSeconds(2).Ticks);
        Assert.Equal(2000, scheduler.Now.ToUnixTimeMilliseconds());
    }
}
