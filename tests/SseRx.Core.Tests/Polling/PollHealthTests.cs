using SseRx.Tests.Testing;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Polling;

public sealed class PollHealthTests
{
    private static readonly PollStatus Starting = new(PollState.Starting, 0, null, null, TimeSpan.Zero);

    private static PollStatus Healthy(long ticks) =>
        new(PollState.Healthy, 0, null, TestScheduler.Epoch.AddTicks(ticks), TimeSpan.FromSeconds(5));

    [Fact]
    public void A_new_health_is_Starting()
    {
        var health = new PollHealth();

        Assert.Equal(Starting, health.Current);
    }

    [Fact]
    public void Replays_the_current_status_to_each_new_subscriber_then_reports_each_change()
    {
        var scheduler = new TestScheduler();
        var health = new PollHealth();
        var early = scheduler.CreateObserver<PollStatus>();
        var late = scheduler.CreateObserver<PollStatus>();
        var degraded = new PollStatus(PollState.Degraded, 1, new TimeoutException(), TestScheduler.Epoch, TimeSpan.FromSeconds(1));

        using var first = health.Subscribe(early);
        scheduler.AdvanceTo(10);
        health.Report(Healthy(0));
        scheduler.AdvanceTo(20);
        using var second = health.Subscribe(late);
        scheduler.AdvanceTo(30);
        health.Report(degraded);

        early.Messages.AssertEqual(OnNext(0, Starting), OnNext(10, Healthy(0)), OnNext(30, degraded));
        late.Messages.AssertEqual(OnNext(20, Healthy(0)), OnNext(30, degraded));
        Assert.Equal(degraded, health.Current);
    }

    [Fact]
    public void A_status_equal_to_the_current_one_is_not_reported_again()
    {
        var scheduler = new TestScheduler();
        var health = new PollHealth();
        var statuses = scheduler.CreateObserver<PollStatus>();
        using var subscription = health.Subscribe(statuses);

        health.Report(Healthy(0));
        health.Report(Healthy(0));
        health.Report(Healthy(1));

        statuses.Messages.AssertEqual(OnNext(0, Starting), OnNext(0, Healthy(0)), OnNext(0, Healthy(1)));
    }

    [Fact]
    public void Disposing_a_subscription_stops_its_notifications_and_leaves_the_others()
    {
        var scheduler = new TestScheduler();
        var health = new PollHealth();
        var leaving = scheduler.CreateObserver<PollStatus>();
        var staying = scheduler.CreateObserver<PollStatus>();
        var subscription = health.Subscribe(leaving);
        using var other = health.Subscribe(staying);

        subscription.Dispose();
        subscription.Dispose();
        health.Report(Healthy(0));

        leaving.Messages.AssertEqual(OnNext(0, Starting));
        staying.Messages.AssertEqual(OnNext(0, Starting), OnNext(0, Healthy(0)));
    }

    [Fact]
    public void An_observer_may_unsubscribe_while_being_notified()
    {
        var health = new PollHealth();
        var seen = new List<PollStatus>();
        IDisposable? subscription = null;
        subscription = health.Subscribe(new Observer(s =>
        {
            seen.Add(s);
            if (s.State == PollState.Healthy)
            {
                subscription!.Dispose();
            }
        }));

        health.Report(Healthy(0));
        health.Report(Healthy(1));

        seen.AssertEqual(Starting, Healthy(0));
    }

    [Fact]
    public void Subscribe_checks_its_observer()
    {
        Assert.Throws<ArgumentNullException>("observer", () => new PollHealth().Subscribe(null!));
    }

    [Fact]
    public async Task Concurrent_reports_reach_each_observer_one_at_a_time_and_the_last_one_seen_is_current()
    {
        var health = new PollHealth();
        var inside = 0;
        var overlaps = 0;
        PollStatus? last = null;
        using var subscription = health.Subscribe(new Observer(s =>
        {
            if (Interlocked.Increment(ref inside) != 1)
            {
                Interlocked.Increment(ref overlaps);
            }

            last = s;
            Interlocked.Decrement(ref inside);
        }));

        await Task.WhenAll(Enumerable.Range(0, 4).Select(thread => Task.Run(() =>
        {
            for (var i = 1; i <= 2000; i++)
            {
                health.Report(new PollStatus(PollState.Degraded, (thread * 10_000) + i, null, null, TimeSpan.Zero));
            }
        })));

        Assert.Equal(0, overlaps);
        Assert.Equal(health.Current, last);
    }

    private sealed class Observer(Action<PollStatus> onNext) : IObserver<PollStatus>
    {
        public void OnNext(PollStatus value) => onNext(value);

        public void OnError(Exception error) => throw new InvalidOperationException("PollHealth never errors.", error);

        public void OnCompleted() => throw new InvalidOperationException("PollHealth never completes.");
    }
}
