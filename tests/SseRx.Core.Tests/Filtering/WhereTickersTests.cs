using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using SseRx.Sentiment;
using SseRx.Tests.Heartbeat;
using SseRx.Tests.Testing;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Filtering;

public sealed class WhereTickersTests
{
    private static readonly DateTimeOffset At = new(2026, 1, 5, 14, 30, 0, TimeSpan.Zero);

    private static readonly SseEvent Aapl1 = Item("i1", "AAPL");
    private static readonly SseEvent Msft1 = Item("i2", "MSFT");
    private static readonly SseEvent Aapl2 = Item("i3", "AAPL");
    private static readonly SseEvent Msft2 = Item("i4", "MSFT");
    private static readonly SseEvent Tsla = SentimentEvents.SentimentUpdate(new TickerSentiment("TSLA", 0.4, SentimentLabel.Positive), At);
    private static readonly SseEvent Metrics = SentimentEvents.Metrics(MetricsSnapshot.Empty, At);
    private static readonly SseEvent Beat = SseEvents.Heartbeat(new SseEventId(1, "x"), At, 3);

    private static SseEvent Item(string id, string ticker) =>
        SentimentEvents.NewItem(new SentimentItem(id, ticker, SentimentLabel.Positive, 0.5, At));

    private static IReadOnlySet<string> Set(params string[] tickers) => new HashSet<string>(tickers, StringComparer.Ordinal);

    [Fact]
    public void Events_are_built_as_expected_by_these_tests()
    {
        Assert.Equal("AAPL", Aapl1.Ticker);
        Assert.Equal("TSLA", Tsla.Ticker);
        Assert.Null(Metrics.Ticker);
        Assert.Null(Beat.Ticker);
    }

    [Fact]
    public void A_fixed_set_passes_its_tickers_and_every_event_not_about_a_ticker()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(210, Aapl1), OnNext(220, Msft1), OnNext(230, Metrics), OnNext(240, Tsla), OnNext(250, Beat), OnCompleted<SseEvent>(300));

        var res = scheduler.Start(() => xs.WhereTickers(Set("AAPL", "TSLA")));

        res.Messages.AssertEqual(OnNext(210, Aapl1), OnNext(230, Metrics), OnNext(240, Tsla), OnNext(250, Beat), OnCompleted<SseEvent>(300));
        xs.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void A_fixed_set_passes_errors()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("boom");
        var xs = scheduler.CreateHotObservable(OnNext(210, Msft1), OnError<SseEvent>(220, error));

        var res = scheduler.Start(() => xs.WhereTickers(Set("AAPL")));

        res.Messages.AssertEqual(OnError<SseEvent>(220, error));
        xs.Subscriptions.AssertEqual(Subscribe(200, 220));
    }

    [Fact]
    public void A_fixed_set_with_a_never_source_stays_subscribed_until_disposal()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, Aapl1), OnNext(500, Aapl2));

        var res = scheduler.Start(() => xs.WhereTickers(Set("AAPL")), 400);

        res.Messages.AssertEqual(OnNext(210, Aapl1));
        xs.Subscriptions.AssertEqual(Subscribe(200, 400));
    }

    [Fact]
    public void Ticker_events_before_the_first_set_are_dropped_but_events_not_about_a_ticker_pass()
    {
        var scheduler = new TestScheduler();
        var tickers = scheduler.CreateHotObservable(OnNext(300, Set("AAPL")));
        var xs = scheduler.CreateHotObservable(OnNext(210, Aapl1), OnNext(220, Metrics), OnNext(310, Aapl2));

        var res = scheduler.Start(() => xs.WhereTickers(tickers));

        res.Messages.AssertEqual(OnNext(220, Metrics), OnNext(310, Aapl2));
    }

    [Fact]
    public void A_new_set_applies_immediately_mid_stream()
    {
        var scheduler = new TestScheduler();
        var tickers = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")), OnNext(400, Set("MSFT")));
        var xs = scheduler.CreateHotObservable(
            OnNext(300, Aapl1), OnNext(350, Msft1), OnNext(399, Metrics), OnNext(450, Aapl2), OnNext(500, Msft2));

        var res = scheduler.Start(() => xs.WhereTickers(tickers));

        res.Messages.AssertEqual(OnNext(300, Aapl1), OnNext(399, Metrics), OnNext(500, Msft2));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
        tickers.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Completion_of_the_tickers_keeps_the_last_set()
    {
        var scheduler = new TestScheduler();
        var tickers = scheduler.CreateHotObservable(OnNext(205, Set("MSFT")), OnCompleted<IReadOnlySet<string>>(250));
        var xs = scheduler.CreateHotObservable(OnNext(300, Aapl1), OnNext(310, Msft1));

        var res = scheduler.Start(() => xs.WhereTickers(tickers));

        res.Messages.AssertEqual(OnNext(310, Msft1));
        tickers.Subscriptions.AssertEqual(Subscribe(200, 250));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void An_error_of_the_tickers_ends_the_sequence_and_disposes_the_source()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("configuration store failed");
        var tickers = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")), OnError<IReadOnlySet<string>>(300, error));
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1), OnNext(350, Aapl2));

        var res = scheduler.Start(() => xs.WhereTickers(tickers));

        res.Messages.AssertEqual(OnNext(250, Aapl1), OnError<SseEvent>(300, error));
        tickers.Subscriptions.AssertEqual(Subscribe(200, 300));
        xs.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void Tickers_that_fail_at_subscription_end_the_sequence_without_subscribing_the_source()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("no such configuration");
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1));

        var res = scheduler.Start(() => xs.WhereTickers(Observable.Throw<IReadOnlySet<string>>(error)));

        res.Messages.AssertEqual(OnError<SseEvent>(200, error));
        Assert.Empty(xs.Subscriptions);
    }

    [Fact]
    public void Source_completion_passes_through_and_disposes_the_tickers()
    {
        var scheduler = new TestScheduler();
        var tickers = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")));
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1), OnCompleted<SseEvent>(300));

        var res = scheduler.Start(() => xs.WhereTickers(tickers));

        res.Messages.AssertEqual(OnNext(250, Aapl1), OnCompleted<SseEvent>(300));
        tickers.Subscriptions.AssertEqual(Subscribe(200, 300));
        xs.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void Source_error_passes_through_and_disposes_the_tickers()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("store failed");
        var tickers = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")));
        var xs = scheduler.CreateHotObservable(OnNext(250, Msft1), OnError<SseEvent>(300, error));

        var res = scheduler.Start(() => xs.WhereTickers(tickers));

        res.Messages.AssertEqual(OnError<SseEvent>(300, error));
        tickers.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void An_empty_source_completes()
    {
        var scheduler = new TestScheduler();
        var tickers = scheduler.CreateHotObservable<IReadOnlySet<string>>();
        var xs = scheduler.CreateHotObservable(OnCompleted<SseEvent>(250));

        var res = scheduler.Start(() => xs.WhereTickers(tickers));

        res.Messages.AssertEqual(OnCompleted<SseEvent>(250));
        tickers.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void Never_sources_emit_nothing_and_stay_subscribed_until_disposal()
    {
        var scheduler = new TestScheduler();
        var tickers = scheduler.CreateHotObservable<IReadOnlySet<string>>();
        var xs = scheduler.CreateHotObservable<SseEvent>();

        var res = scheduler.Start(() => xs.WhereTickers(tickers));

        res.Messages.AssertEqual();
        tickers.Subscriptions.AssertEqual(Subscribe(200, 1000));
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Disposal_disposes_both_subscriptions_and_stops_the_events()
    {
        var scheduler = new TestScheduler();
        var tickers = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")), OnNext(700, Set("MSFT")));
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1), OnNext(650, Aapl2), OnNext(750, Msft1));

        var res = scheduler.Start(() => xs.WhereTickers(tickers), 600);

        res.Messages.AssertEqual(OnNext(250, Aapl1));
        tickers.Subscriptions.AssertEqual(Subscribe(200, 600));
        xs.Subscriptions.AssertEqual(Subscribe(200, 600));
    }

    [Fact]
    public void The_tickers_are_subscribed_before_the_source_so_a_replayed_set_filters_replayed_events()
    {
        var scheduler = new TestScheduler();
        using var tickers = new BehaviorSubject<IReadOnlySet<string>>(Set("AAPL"));
        var replaying = Observable.Create<SseEvent>(o =>
        {
            o.OnNext(Aapl1);
            o.OnNext(Msft1);
            return Disposable.Empty;
        });

        var res = scheduler.Start(() => replaying.WhereTickers(tickers));

        res.Messages.AssertEqual(OnNext(200, Aapl1));
    }

    [Fact]
    public void A_null_set_drops_ticker_events_like_no_set()
    {
        var scheduler = new TestScheduler();
        var tickers = scheduler.CreateHotObservable(OnNext(205, Set("AAPL")), OnNext<IReadOnlySet<string>>(300, null!));
        var xs = scheduler.CreateHotObservable(OnNext(250, Aapl1), OnNext(350, Aapl2), OnNext(360, Metrics));

        var res = scheduler.Start(() => xs.WhereTickers(tickers));

        res.Messages.AssertEqual(OnNext(250, Aapl1), OnNext(360, Metrics));
    }

    [Fact]
    public void Filtering_an_event_allocates_nothing()
    {
        var source = new Subject<SseEvent>();
        using var tickers = new BehaviorSubject<IReadOnlySet<string>>(Set("AAPL"));
        var live = new CountingObserver<SseEvent>();
        var fixedSet = new CountingObserver<SseEvent>();
        using var first = source.WhereTickers(tickers).Subscribe(live);
        using var second = source.WhereTickers(Set("AAPL")).Subscribe(fixedSet);
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

        Assert.Throws<ArgumentNullException>("source", () => ((IObservable<SseEvent>)null!).WhereTickers(sets));
        Assert.Throws<ArgumentNullException>("tickers", () => events.WhereTickers((IObservable<IReadOnlySet<string>>)null!));
        Assert.Throws<ArgumentNullException>("source", () => ((IObservable<SseEvent>)null!).WhereTickers(Set("AAPL")));
        Assert.Throws<ArgumentNullException>("tickers", () => events.WhereTickers((IReadOnlySet<string>)null!));
        Assert.Throws<ArgumentNullException>("observer", () => events.WhereTickers(sets).Subscribe(null!));
    }
}
