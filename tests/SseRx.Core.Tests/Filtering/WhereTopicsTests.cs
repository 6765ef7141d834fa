using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using SseRx.Tests.Heartbeat;
using SseRx.Tests.Testing;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Filtering;

public sealed class WhereTopicsTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 5, 14, 30, 0, TimeSpan.Zero);

    private static readonly SseEvent Aapl1 = Item("i1", "AAPL");
    private static readonly SseEvent Msft1 = Item("i2", "MSFT");
    private static readonly SseEvent Aapl2 = Item("i3", "AAPL");
    private static readonly SseEvent Msft2 = Item("i4", "MSFT");
    private static readonly SseEvent Tsla = SseEvent.Create(
        "state", SseEventId.ForState(At, "price.TSLA"), 1, TestEntryJson.Default.Int32, "TSLA");
    private static readonly SseEvent Metrics = SseEvent.Create("metrics", SseEventId.ForState(At, "metrics"), 1, TestEntryJson.Default.Int32);
    private static readonly SseEvent Beat = SseEvents.Heartbeat(new SseEventId(1, "x"), At, 3);

    private static SseEvent Item(string id, string topic) => TestEntry.ToEvent(new TestEntry(id, At.ToUnixTimeMilliseconds(), topic));

    private static IReadOnlySet<string> Set(params string[] topics) => new HashSet<string>(topics, StringComparer.Ordinal);

    [Fact]
    public void Events_are_built_as_expected_by_these_tests()
    {
        Assert.Equal("AAPL", Aapl1.Topic);
        Assert.Equal("TSLA", Tsla.Topic);
        Assert.Null(Metrics.Topic);
        Assert.Null(Beat.Topic);
    }

    [Fact]
    public void A_fixed_set_passes_its_topics_and_every_event_not_about_a_topic()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(210, Aapl1), OnNext(220, Msft1), OnNext(230, Metrics), OnNext(240, Tsla), OnNext(250, Beat), OnCompleted<SseEvent>(300));

        var res = scheduler.Start(() => xs.WhereTopics(Set("AAPL", "TSLA")));

        res.Messages.AssertEqual(OnNext(210, Aapl1), OnNext(230, Metrics), OnNext(240, Tsla), OnNext(250, Beat), OnCompleted<SseEvent>(300));
        xs.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void A_fixed_set_passes_errors()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("boom");
        var xs = scheduler.CreateHotObservable(OnNext(210, Msft1), OnError<SseEvent>(220, error));

        var res = scheduler.Start(() => xs.WhereTopics(Set("AAPL")));

        res.Messages.AssertEqual(OnError<SseEvent>(220, error));
        xs.Subscriptions.AssertEqual(Subscribe(200, 220));
    }

    [Fact]
    public void A_fixed_set_with_a_never_source_stays_subscribed_until_disposal()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, Aapl1), OnNext(500, Aapl2));

        var res = scheduler.Start(() => xs.WhereTopics(Set("AAPL")), 400);

        res.Messages.AssertEqual(OnNext(210, Aapl1));
        xs.Subscriptions.AssertEqual(Subscribe(200, 400));
    }

    [Fact]
    public void Topic_events_before_the_first_set_are_dropped_but_events_not_about_a_topic_pass()
    {
        var scheduler = new TestScheduler();
        var topics = scheduler.CreateHotObservable(OnNext(300, Set("AAPL")));
        var xs = scheduler.CreateHotObservable(OnNext(210, Aapl1), OnNext(220, Metrics), OnNext(310, Aapl2));

        var res = scheduler.Start(() => xs.WhereTopics(topics));

        res.Messages.AssertEqual(OnNext(220, Metrics), OnNext(310, Aapl2));
    }

    [Fact]
    public void A_new_set_applies_immediately_mid_stream()
    {
        var scheduler = new TestScheduler();
        var topics = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")), OnNext(400, Set("MSFT")));
        var xs = scheduler.CreateHotObservable(
            OnNext(300, Aapl1), OnNext(350, Msft1), OnNext(399, Metrics), OnNext(450, Aapl2), OnNext(500, Msft2));

        var res = scheduler.Start(() => xs.WhereTopics(topics));

        res.Messages.AssertEqual(OnNext(300, Aapl1), OnNext(399, Metrics), OnNext(500, Msft2));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
        topics.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Completion_of_the_topics_keeps_the_last_set()
    {
        var scheduler = new TestScheduler();
        var topics = scheduler.CreateHotObservable(OnNext(205, Set("MSFT")), OnCompleted<IReadOnlySet<string>>(250));
        var xs = scheduler.CreateHotObservable(OnNext(300, Aapl1), OnNext(310, Msft1));

        var res = scheduler.Start(() => xs.WhereTopics(topics));

        res.Messages.AssertEqual(OnNext(310, Msft1));
        topics.Subscriptions.AssertEqual(Subscribe(200, 250));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void An_error_of_the_topics_ends_the_sequence_and_disposes_the_source()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("configuration store failed");
        var topics = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")), OnError<IReadOnlySet<string>>(300, error));
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1), OnNext(350, Aapl2));

        var res = scheduler.Start(() => xs.WhereTopics(topics));

        res.Messages.AssertEqual(OnNext(250, Aapl1), OnError<SseEvent>(300, error));
        topics.Subscriptions.AssertEqual(Subscribe(200, 300));
        xs.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void Topics_that_fail_at_subscription_end_the_sequence_without_subscribing_the_source()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("no such configuration");
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1));

        var res = scheduler.Start(() => xs.WhereTopics(Observable.Throw<IReadOnlySet<string>>(error)));

        res.Messages.AssertEqual(OnError<SseEvent>(200, error));
        Assert.Empty(xs.Subscriptions);
    }

    [Fact]
    public void Source_completion_passes_through_and_disposes_the_topics()
    {
        var scheduler = new TestScheduler();
        var topics = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")));
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1), OnCompleted<SseEvent>(300));

        var res = scheduler.Start(() => xs.WhereTopics(topics));

        res.Messages.AssertEqual(OnNext(250, Aapl1), OnCompleted<SseEvent>(300));
        topics.Subscriptions.AssertEqual(Subscribe(200, 300));
        xs.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void Source_error_passes_through_and_disposes_the_topics()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("store failed");
        var topics = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")));
        var xs = scheduler.CreateHotObservable(OnNext(250, Msft1), OnError<SseEvent>(300, error));

        var res = scheduler.Start(() => xs.WhereTopics(topics));

        res.Messages.AssertEqual(OnError<SseEvent>(300, error));
        topics.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void An_empty_source_completes()
    {
        var scheduler = new TestScheduler();
        var topics = scheduler.CreateHotObservable<IReadOnlySet<string>>();
        var xs = scheduler.CreateHotObservable(OnCompleted<SseEvent>(250));

        var res = scheduler.Start(() => xs.WhereTopics(topics));

        res.Messages.AssertEqual(OnCompleted<SseEvent>(250));
        topics.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void Never_sources_emit_nothing_and_stay_subscribed_until_disposal()
    {
        var scheduler = new TestScheduler();
        var topics = scheduler.CreateHotObservable<IReadOnlySet<string>>();
        var xs = scheduler.CreateHotObservable<SseEvent>();

        var res = scheduler.Start(() => xs.WhereTopics(topics));

        res.Messages.AssertEqual();
        topics.Subscriptions.AssertEqual(Subscribe(200, 1000));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Disposal_disposes_both_subscriptions_and_stops_the_events()
    {
        var scheduler = new TestScheduler();
        var topics = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")), OnNext(700, Set("MSFT")));
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1), OnNext(650, Aapl2), OnNext(750, Msft1));

        var res = scheduler.Start(() => xs.WhereTopics(topics), 600);

        res.Messages.AssertEqual(OnNext(250, Aapl1));
        topics.Subscriptions.AssertEqual(Subscribe(200, 600));
        xs.Subscriptions.AssertEqual(Subscribe(200, 600));
    }

    [Fact]
    public void The_topics_are_subscribed_before_the_source_so_a_replayed_set_filters_replayed_events()
    {
        var scheduler = new TestScheduler();
        using var topics = new BehaviorSubject<IReadOnlySet<string>>(Set("AAPL"));
        var replaying = Observable.Create<SseEvent>(o =>
        {
            o.OnNext(Aapl1);
            o.OnNext(Msft1);
            return Disposable.Empty;
        });

        var res = scheduler.Start(() => replaying.WhereTopics(topics));

        res.Messages.AssertEqual(OnNext(200, Aapl1));
    }

    [Fact]
    public void A_null_set_drops_topic_events_like_no_set()
    {
        var scheduler = new TestScheduler();
        var topics = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")), OnNext<IReadOnlySet<string>>(300, null!));
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1), OnNext(350, Aapl2), OnNext(360, Metrics));

        var res = scheduler.Start(() => xs.WhereTopics(topics));

        res.Messages.AssertEqual(OnNext(250, Aapl1), OnNext(360, Metrics));
    }

    [Fact]
    public void Filtering_an_event_allocates_nothing()
    {
        var source = new Subject<SseEvent>();
        using var topics = new BehaviorSubject<IReadOnlySet<string>>(Set("AAPL"));
        var live = new CountingObserver<SseEvent>();
        var fixedSet = new CountingObserver<SseEvent>();
        using var first = source.WhereTopics(topics).Subscribe(live);
        using var second = source.WhereTopics(Set("AAPL")).Subscribe(fixedSet);
        source.OnNext(Aapl1);
        source.OnNext(Msft1);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            source.OnNext(Aapl1);
            source.OnNext(Msft1);
            source.OnNext(Metrics);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(2001, live.Count);
        Assert.Equal(2001, fixedSet.Count);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var events = Observable.Never<SseEvent>();
        var sets = Observable.Never<IReadOnlySet<string>>();

        Assert.Throws<ArgumentNullException>("source", () => ((IObservable<SseEvent>)null!).WhereTopics(sets));
        Assert.Throws<ArgumentNullException>("topics", () => events.WhereTopics((IObservable<IReadOnlySet<string>>)null!));
        Assert.Throws<ArgumentNullException>("source", () => ((IObservable<SseEvent>)null!).WhereTopics(Set("AAPL")));
        Assert.Throws<ArgumentNullException>("topics", () => events.WhereTopics((IReadOnlySet<string>)null!));
        Assert.Throws<ArgumentNullException>("observer", () => events.WhereTopics(sets).Subscribe(null!));
    }
}
