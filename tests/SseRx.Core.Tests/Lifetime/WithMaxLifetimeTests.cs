using System.Reactive.Concurrency;
using System.Reactive.Linq;
using SseRx.Tests.Testing;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Lifetime;

public sealed class WithMaxLifetimeTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromTicks(300);

    [Fact]
    public void Completes_cleanly_when_the_lifetime_has_passed_since_subscription()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(150, 0), OnNext(210, 1), OnNext(499, 2), OnNext(510, 3));

        var res = scheduler.Start(() => xs.WithMaxLifetime(Lifetime, scheduler));

        res.Messages.AssertEqual(OnNext(210, 1), OnNext(499, 2), OnCompleted<int>(500));
        xs.Subscriptions.AssertEqual(Subscribe(200, 500));
    }

    [Fact]
    public void Fifteen_minute_limit_in_seconds()
    {
        var scheduler = new TestScheduler();
        var lifetime = TimeSpan.FromMinutes(14.5);
        var xs = scheduler.CreateHotObservable<int>();

        var res = scheduler.Start(() => xs.WithMaxLifetime(lifetime, scheduler), 200 + TimeSpan.FromMinutes(15).Ticks);

        res.Messages.AssertEqual(OnCompleted<int>(200 + lifetime.Ticks));
        xs.Subscriptions.AssertEqual(Subscribe(200, 200 + lifetime.Ticks));
    }

    [Fact]
    public void An_earlier_completion_passes_through()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnCompleted<int>(250));

        var res = scheduler.Start(() => xs.WithMaxLifetime(Lifetime, scheduler));

        res.Messages.AssertEqual(OnNext(210, 1), OnCompleted<int>(250));
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void An_error_before_the_lifetime_passes_through()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("boom");
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnError<int>(250, error));

        var res = scheduler.Start(() => xs.WithMaxLifetime(Lifetime, scheduler));

        res.Messages.AssertEqual(OnNext(210, 1), OnError<int>(250, error));
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void Disposal_before_the_lifetime_disposes_the_source_and_emits_nothing_more()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnNext(260, 2));

        var res = scheduler.Start(() => xs.WithMaxLifetime(Lifetime, scheduler), 250);

        res.Messages.AssertEqual(OnNext(210, 1));
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var scheduler = new TestScheduler();
        var xs = Observable.Never<int>();

        Assert.Throws<ArgumentNullException>("source", () => ((IObservable<int>)null!).WithMaxLifetime(Lifetime, scheduler));
        Assert.Throws<ArgumentNullException>("scheduler", () => xs.WithMaxLifetime(Lifetime, (IScheduler)null!));
        Assert.Throws<ArgumentOutOfRangeException>("maxLifetime", () => xs.WithMaxLifetime(TimeSpan.Zero, scheduler));
        Assert.Throws<ArgumentOutOfRangeException>("maxLifetime", () => xs.WithMaxLifetime(TimeSpan.FromSeconds(-1), scheduler));
        Assert.Throws<ArgumentOutOfRangeException>("maxLifetime", () => xs.WithMaxLifetime(TimeSpan.Zero));
        Assert.Throws<ArgumentNullException>("source", () => ((IObservable<int>)null!).WithMaxLifetime(Lifetime));
    }
}
