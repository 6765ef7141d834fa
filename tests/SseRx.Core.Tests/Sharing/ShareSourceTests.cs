using System.Reactive.Disposables;
using System.Reactive.Linq;
using SseRx.Tests.Polling;
using SseRx.Tests.Testing;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Sharing;

public sealed class ShareSourceTests
{
    private static long S(double seconds) => TimeSpan.FromSeconds(seconds).Ticks;

    /// <summary>Subscribes <paramref name="observer"/> to <paramref name="source"/> at <paramref name="from"/> and disposes at <paramref name="to"/>.</summary>
    private static void SubscribeBetween<T>(TestScheduler scheduler, IObservable<T> source, IObserver<T> observer, long from, long to)
    {
        var subscription = new SerialDisposable();
        scheduler.ScheduleAbsolute(default(object), from, (_, _) =>
        {
            subscription.Disposable = source.Subscribe(observer);
            return Disposable.Empty;
        });
        scheduler.ScheduleAbsolute(default(object), to, (_, _) =>
        {
            subscription.Dispose();
            return Disposable.Empty;
        });
    }

    [Fact]
    public void Subscribes_the_source_once_with_the_first_subscriber_and_disposes_it_with_the_last()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(250, 1), OnNext(350, 2), OnNext(450, 3), OnNext(550, 4), OnNext(650, 5), OnNext(750, 6));
        var shared = xs.ShareSource();
        var first = scheduler.CreateObserver<int>();
        var second = scheduler.CreateObserver<int>();
        var third = scheduler.CreateObserver<int>();

        SubscribeBetween(scheduler, shared, first, 200, 500);
        SubscribeBetween(scheduler, shared, second, 300, 600);
        SubscribeBetween(scheduler, shared, third, 400, 700);
        scheduler.Start();

        xs.Subscriptions.AssertEqual(Subscribe(200, 700));
        first.Messages.AssertEqual(OnNext(250, 1), OnNext(350, 2), OnNext(450, 3));
        second.Messages.AssertEqual(OnNext(350, 2), OnNext(450, 3), OnNext(550, 4));
        third.Messages.AssertEqual(OnNext(450, 3), OnNext(550, 4), OnNext(650, 5));
    }

    [Fact]
    public void A_subscriber_after_the_last_one_left_subscribes_the_source_again()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(250, 1), OnNext(450, 2));
        var shared = xs.ShareSource();
        var first = scheduler.CreateObserver<int>();
        var again = scheduler.CreateObserver<int>();

        SubscribeBetween(scheduler, shared, first, 200, 300);
        SubscribeBetween(scheduler, shared, again, 400, 500);
        scheduler.Start();

        xs.Subscriptions.AssertEqual(Subscribe(200, 300), Subscribe(400, 500));
        again.Messages.AssertEqual(OnNext(450, 2));
    }

    [Fact]
    public void Poll_behind_ShareSource_fetches_once_per_interval_whatever_the_number_of_subscribers()
    {
        var scheduler = new TestScheduler();
        var fetch = new ScriptedFetch<int>(scheduler, i => FetchStep.Ok(i));
        var options = new PollOptions { Interval = TimeSpan.FromSeconds(5) };
        var shared = SseObservable.Poll(fetch.Fetch, options, null, scheduler).ShareSource();
        var observers = Enumerable.Range(0, 10).Select(_ => scheduler.CreateObserver<int>()).ToList();

        // Ten connections arrive over the first 9 seconds; all but one leave at 20 s, the last at 32 s.
        for (var i = 0; i < observers.Count; i++)
        {
            SubscribeBetween(scheduler, shared, observers[i], 200 + S(i), i == 0 ? 200 + S(32) : 200 + S(20));
        }

        scheduler.Start();

        const long f = 201;
        fetch.Starts.AssertEqual(f, f + S(5), f + S(10), f + S(15), f + S(20), f + S(25), f + S(30));
        Assert.Single(fetch.Tokens.Distinct());
        Assert.True(fetch.Tokens[0].IsCancellationRequested);
        observers[9].Messages.AssertEqual(OnNext(f + S(10), 2), OnNext(f + S(15), 3));
        Assert.Equal(7, observers[0].Messages.Count);
    }

    [Fact]
    public void An_empty_source_completes_every_subscriber()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnCompleted<int>(250));

        var res = scheduler.Start(() => xs.ShareSource());

        res.Messages.AssertEqual(OnCompleted<int>(250));
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void A_source_that_never_emits_stays_subscribed_until_the_subscriber_leaves()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable<int>();

        var res = scheduler.Start(() => xs.ShareSource());

        res.Messages.AssertEqual();
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void A_source_error_reaches_every_subscriber()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("boom");
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnError<int>(260, error));
        var shared = xs.ShareSource();
        var first = scheduler.CreateObserver<int>();
        var second = scheduler.CreateObserver<int>();

        SubscribeBetween(scheduler, shared, first, 200, 1000);
        SubscribeBetween(scheduler, shared, second, 220, 1000);
        scheduler.Start();

        first.Messages.AssertEqual(OnNext(210, 1), OnError<int>(260, error));
        second.Messages.AssertEqual(OnError<int>(260, error));
        xs.Subscriptions.AssertEqual(Subscribe(200, 260));
    }

    [Fact]
    public void A_null_source_is_rejected()
    {
        Assert.Throws<ArgumentNullException>("source", () => ((IObservable<int>)null!).ShareSource());
    }
}
