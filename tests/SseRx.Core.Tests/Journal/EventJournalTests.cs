using System.Collections.Concurrent;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using SseRx.Tests.Testing;
using static SseRx.Tests.Events.TestEvents;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Journal;

public sealed class EventJournalTests
{
    // ---- New clients -------------------------------------------------------------------------------------------

    [Fact]
    public void ResumeFrom_null_replays_the_latest_metrics_then_live_events()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var m1 = Metrics(2);
        var b = Item(3, "b");
        var c = Item(4, "c");
        var xs = scheduler.CreateHotObservable(OnNext(110, a), OnNext(120, m1), OnNext(130, b), OnNext(300, c));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        var res = scheduler.Start(() => journal.ResumeFrom(null));

        res.Messages.AssertEqual(OnNext(200, m1), OnNext(300, c));
    }

    [Fact]
    public void ResumeFrom_empty_without_any_metrics_goes_straight_to_live()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var b = Item(2, "b");
        var xs = scheduler.CreateHotObservable(OnNext(150, a), OnNext(300, b));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        var res = scheduler.Start(() => journal.ResumeFrom(string.Empty));

        res.Messages.AssertEqual(OnNext(300, b));
    }

    // ---- Resume from the buffer --------------------------------------------------------------------------------

    [Fact]
    public void ResumeFrom_a_held_id_replays_everything_after_its_position_even_when_ids_are_not_monotonic()
    {
        var scheduler = new TestScheduler();

        // b sorts before a but was appended after it: position, not id order, decides what follows a held id.
        var a = Item(5, "a");
        var b = Item(3, "b");
        var c = Item(7, "c");
        var d = Item(9, "d");
        var xs = scheduler.CreateHotObservable(OnNext(110, a), OnNext(120, b), OnNext(130, c), OnNext(300, d));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        var fromA = SubscribeAt(scheduler, 200, () => journal.ResumeFrom(a.Id.ToString()));
        var fromB = SubscribeAt(scheduler, 200, () => journal.ResumeFrom(b.Id.ToString()));
        var fromD = SubscribeAt(scheduler, 400, () => journal.ResumeFrom(d.Id.ToString()));
        scheduler.Start();

        fromA.Messages.AssertEqual(OnNext(200, b), OnNext(200, c), OnNext(300, d));
        fromB.Messages.AssertEqual(OnNext(200, c), OnNext(300, d));
        fromD.Messages.AssertEqual();
    }

    [Fact]
    public void ResumeFrom_an_unheld_id_above_the_floor_replays_the_held_events_with_greater_ids()
    {
        var scheduler = new TestScheduler();
        var a = Item(10, "a");
        var c = Item(30, "c");
        var d = Item(40, "d");
        var xs = scheduler.CreateHotObservable(OnNext(110, a), OnNext(120, c), OnNext(300, d));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        var res = scheduler.Start(() => journal.ResumeFrom("0000000000020-x"));

        res.Messages.AssertEqual(OnNext(200, c), OnNext(300, d));
    }

    [Fact]
    public void ResumeFrom_an_id_newer_than_everything_held_goes_straight_to_live()
    {
        var scheduler = new TestScheduler();
        var a = Item(10, "a");
        var b = Item(20, "b");
        var xs = scheduler.CreateHotObservable(OnNext(110, a), OnNext(300, b));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        // An instance that is ahead of this one issued this id; there is nothing to replay.
        var res = scheduler.Start(() => journal.ResumeFrom("0000000000099-z"));

        res.Messages.AssertEqual(OnNext(300, b));
    }

    // ---- Bounds --------------------------------------------------------------------------------------------------

    [Fact]
    public void Capacity_evicts_the_oldest_but_head_and_latest_metrics_survive()
    {
        var scheduler = new TestScheduler();
        var m = Metrics(1);
        var a = Item(2, "a");
        var b = Item(3, "b");
        var c = Item(4, "c");
        var xs = scheduler.CreateHotObservable(OnNext(110, m), OnNext(120, a), OnNext(130, b), OnNext(140, c));
        using var journal = xs.ToJournal(new JournalOptions { Capacity = 2 }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        Assert.Null(journal.Head);
        Assert.Null(journal.LatestMetrics);
        scheduler.AdvanceTo(150);

        Assert.Equal(2, journal.Count);
        Assert.Equal(c.Id, journal.Head);
        Assert.Same(m, journal.LatestMetrics);
    }

    [Fact]
    public void An_id_at_the_floor_replays_what_is_left_and_one_below_it_resyncs_as_unknown()
    {
        var scheduler = new TestScheduler();
        var a = Item(10, "a");
        var b = Item(20, "b");
        var c = Item(30, "c");
        var d = Item(40, "d");
        var xs = scheduler.CreateHotObservable(OnNext(110, a), OnNext(120, b), OnNext(130, c), OnNext(300, d));
        using var journal = xs.ToJournal(new JournalOptions { Capacity = 2 }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        // a was evicted, so the floor is a's id: a client that saw a missed nothing the journal does not hold.
        var atFloor = SubscribeAt(scheduler, 200, () => journal.ResumeFrom(a.Id.ToString()));
        var belowFloor = SubscribeAt(scheduler, 200, () => journal.ResumeFrom("0000000000005-x"));
        scheduler.Start();

        atFloor.Messages.AssertEqual(OnNext(200, b), OnNext(200, c), OnNext(300, d));
        belowFloor.Messages.Describe().AssertEqual(
            $"200 resync {c.Id} reason=unknown",
            $"300 new_item {d.Id}");
    }

    [Fact]
    public void Events_older_than_MaxAge_are_gone_at_resume_time_and_latest_metrics_is_still_sent()
    {
        var scheduler = new TestScheduler();
        var m = Metrics(50);
        var a = Item(100, "a");
        var b = Item(200, "b");
        var xs = scheduler.CreateHotObservable(OnNext(Ms(50), m), OnNext(Ms(100), a), OnNext(Ms(200), b));
        using var journal = xs.ToJournal(new JournalOptions { MaxAge = TimeSpan.FromSeconds(1) }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        // At 1,150 ms, m (appended at 50 ms) and a (100 ms) are more than a second old; nothing was appended since b.
        var fromA = SubscribeAt(scheduler, Ms(1_150), () => journal.ResumeFrom(a.Id.ToString()));
        var fresh = SubscribeAt(scheduler, Ms(1_150), () => journal.ResumeFrom(null));
        scheduler.AdvanceTo(Ms(1_150));

        Assert.Equal(1, journal.Count);
        fromA.Messages.AssertEqual(OnNext(Ms(1_150), b));
        fresh.Messages.AssertEqual(OnNext(Ms(1_150), m));
        Assert.Same(m, journal.LatestMetrics);
    }

    [Fact]
    public void Without_history_an_id_below_the_floor_is_unknown_if_recent_and_too_old_if_older_than_MaxAge()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(10_000));
        var m = Metrics(10_050);
        var xs = scheduler.CreateHotObservable(OnNext(Ms(10_050), m));
        using var journal = xs.ToJournal(new JournalOptions { MaxAge = TimeSpan.FromSeconds(1) }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        // The journal was created at 10 s, so it cannot vouch for anything before.
        var recent = SubscribeAt(scheduler, Ms(10_100), () => journal.ResumeFrom("0000000009500-x"));
        var old = SubscribeAt(scheduler, Ms(10_100), () => journal.ResumeFrom("0000000005000-x"));
        scheduler.Start();

        recent.Messages.Describe().AssertEqual(
            $"{Ms(10_100)} resync {m.Id} reason=unknown",
            $"{Ms(10_100)} metrics {m.Id}");
        old.Messages.Describe().AssertEqual(
            $"{Ms(10_100)} resync {m.Id} reason=too_old",
            $"{Ms(10_100)} metrics {m.Id}");
    }

    // ---- Resync ------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("garbage")]
    [InlineData("123")]
    [InlineData("0000000000001_a")]
    [InlineData("0000000000001-a b")]
    [InlineData("0000000000001-a\n")]
    [InlineData("0000000000001-a\r\nevent: x")]
    [InlineData("0000000000001-\0")]
    public void A_malformed_id_gets_one_resync_then_the_latest_metrics_then_live_events(string lastEventId)
    {
        var scheduler = new TestScheduler();
        var m = Metrics(1);
        var a = Item(2, "a");
        var b = Item(3, "b");
        var xs = scheduler.CreateHotObservable(OnNext(110, m), OnNext(120, a), OnNext(300, b));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        var res = scheduler.Start(() => journal.ResumeFrom(lastEventId));

        res.Messages.Describe().AssertEqual(
            $"200 resync {a.Id} reason=malformed",
            $"200 metrics {m.Id}",
            $"300 new_item {b.Id}");
    }

    [Fact]
    public void A_resync_on_an_empty_journal_resumes_from_the_current_time()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(5_000));
        var xs = scheduler.CreateHotObservable<SseEvent>();
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);

        var res = scheduler.CreateObserver<SseEvent>();
        using var subscription = journal.ResumeFrom("not an id").Subscribe(res);

        res.Messages.Describe().AssertEqual($"{Ms(5_000)} resync 0000000005000- reason=malformed");
        var resync = res.Messages[0].Value.Value;
        Assert.Equal(SseEventTypes.Resync, resync.Type);
        Assert.Equal(SseEventId.AtTime(scheduler.Now), resync.Id);
    }

    // ---- History -------------------------------------------------------------------------------------------------

    [Fact]
    public void An_older_id_within_the_window_replays_history_then_held_events_without_duplicates_then_live()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(10_000));
        var b = Item(10_050, "b");
        var m = Metrics(10_200);
        var c = Item(10_400, "c");
        var xs = scheduler.CreateHotObservable(OnNext(Ms(10_100), b), OnNext(Ms(10_200), m), OnNext(Ms(10_400), c));
        var h1 = Item(6_000, "h1");
        var h2 = Item(9_000, "h2");
        var bFromStore = Item(10_050, "b");
        var history = new FakeHistory { Answer = [h1, h2, bFromStore] };
        using var journal = xs.ToJournal(new JournalOptions { History = history, MaxHistoryEvents = 50 }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        var res = SubscribeAt(scheduler, Ms(10_300), () => journal.ResumeFrom("0000000005000-x"));
        scheduler.Start();

        // b comes once (the store's copy); m was replayed, so it is not sent again as the latest metrics.
        res.Messages.AssertEqual(
            OnNext(Ms(10_300), h1),
            OnNext(Ms(10_300), h2),
            OnNext(Ms(10_300), bFromStore),
            OnNext(Ms(10_300), m),
            OnNext(Ms(10_400), c));
        Assert.Equal([(SseEventId.Parse("0000000005000-x"), 50)], history.Calls);
    }

    [Fact]
    public void A_history_replay_without_a_metrics_event_is_followed_by_the_latest_metrics()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(10_000));
        var m = Metrics(10_100);
        var b = Item(10_150, "b");
        var xs = scheduler.CreateHotObservable(OnNext(Ms(10_100), m), OnNext(Ms(10_150), b));
        var h1 = Item(6_000, "h1");
        var history = new FakeHistory { Answer = [h1] };
        using var journal = xs.ToJournal(new JournalOptions { Capacity = 1, History = history }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        var res = SubscribeAt(scheduler, Ms(10_300), () => journal.ResumeFrom("0000000005000-x"));
        scheduler.Start();

        res.Messages.AssertEqual(OnNext(Ms(10_300), h1), OnNext(Ms(10_300), b), OnNext(Ms(10_300), m));
    }

    [Fact]
    public void An_id_older_than_the_history_window_resyncs_as_too_old_without_asking_the_store()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(3_600_000));
        var m = Metrics(3_600_050);
        var xs = scheduler.CreateHotObservable(OnNext(Ms(3_600_050), m));
        var history = new FakeHistory { Answer = [] };
        using var journal = xs.ToJournal(new JournalOptions { History = history, HistoryWindow = TimeSpan.FromMinutes(15) }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        var sixteenMinutesAgo = SseEventId.AtTime(DateTimeOffset.FromUnixTimeMilliseconds(3_600_100).AddMinutes(-16));
        var res = SubscribeAt(scheduler, Ms(3_600_100), () => journal.ResumeFrom(sixteenMinutesAgo.ToString()));
        scheduler.Start();

        res.Messages.Describe().AssertEqual(
            $"{Ms(3_600_100)} resync {m.Id} reason=too_old",
            $"{Ms(3_600_100)} metrics {m.Id}");
        Assert.Empty(history.Calls);
    }

    public static TheoryData<string> FailingHistories => ["null", "throws", "faults"];

    [Theory]
    [MemberData(nameof(FailingHistories))]
    public void A_store_that_cannot_answer_gives_a_resync_unknown_never_an_error(string failure)
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(10_000));
        var m = Metrics(10_100);
        var c = Item(10_400, "c");
        var xs = scheduler.CreateHotObservable(OnNext(Ms(10_100), m), OnNext(Ms(10_400), c));
        var history = failure switch
        {
            "null" => new FakeHistory { Answer = null },
            "throws" => new FakeHistory { ThrowSynchronously = new InvalidOperationException("store down") },
            _ => new FakeHistory { Fault = new TimeoutException("store slow") },
        };
        using var journal = xs.ToJournal(new JournalOptions { History = history }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        var res = SubscribeAt(scheduler, Ms(10_300), () => journal.ResumeFrom("0000000005000-x"));
        scheduler.Start();

        res.Messages.Describe().AssertEqual(
            $"{Ms(10_300)} resync {m.Id} reason=unknown",
            $"{Ms(10_300)} metrics {m.Id}",
            $"{Ms(10_400)} new_item {c.Id}");
    }

    [Fact]
    public void A_full_history_answer_that_stops_below_the_floor_resyncs_as_too_old()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(10_000));
        var m = Metrics(10_100);
        var xs = scheduler.CreateHotObservable(OnNext(Ms(10_100), m));
        var history = new FakeHistory { Answer = [Item(6_000, "h1"), Item(7_000, "h2")] };
        using var journal = xs.ToJournal(new JournalOptions { History = history, MaxHistoryEvents = 2 }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        // Items between 7 s and the journal's start (10 s) may exist that neither the answer nor the journal has.
        var res = SubscribeAt(scheduler, Ms(10_300), () => journal.ResumeFrom("0000000005000-x"));
        scheduler.Start();

        res.Messages.Describe().AssertEqual(
            $"{Ms(10_300)} resync {m.Id} reason=too_old",
            $"{Ms(10_300)} metrics {m.Id}");
    }

    [Fact]
    public void Events_appended_while_the_store_is_read_follow_the_replay_once_each()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(10_000));
        var x = Item(10_100, "x");
        var y = Item(10_200, "y");
        var z = Item(10_400, "z");
        var xs = scheduler.CreateHotObservable(OnNext(Ms(10_100), x), OnNext(Ms(10_200), y), OnNext(Ms(10_400), z));
        var history = new FakeHistory { Pending = true };
        using var journal = xs.ToJournal(new JournalOptions { History = history }, scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        scheduler.AdvanceTo(Ms(10_050));
        var res = scheduler.CreateObserver<SseEvent>();
        using var subscription = journal.ResumeFrom("0000000005000-x").Subscribe(res);
        scheduler.AdvanceTo(Ms(10_300));
        Assert.Empty(res.Messages);

        // The store, read slowly, already has x, which the journal appended (and queued for this reader) meanwhile.
        var h1 = Item(6_000, "h1");
        var xFromStore = Item(10_100, "x");
        history.Complete([h1, xFromStore]);
        scheduler.AdvanceTo(Ms(10_500));

        res.Messages.AssertEqual(
            OnNext(Ms(10_300), h1),
            OnNext(Ms(10_300), xFromStore),
            OnNext(Ms(10_300), y),
            OnNext(Ms(10_400), z));
    }

    [Fact]
    public void A_source_that_completes_while_the_store_is_read_completes_the_reader_after_its_replay()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(10_000));
        var x = Item(10_100, "x");
        var xs = scheduler.CreateHotObservable(OnNext(Ms(10_100), x), OnCompleted<SseEvent>(Ms(10_200)));
        var history = new FakeHistory { Pending = true };
        using var journal = xs.ToJournal(new JournalOptions { History = history }, scheduler);

        scheduler.AdvanceTo(Ms(10_050));
        var res = scheduler.CreateObserver<SseEvent>();
        using var subscription = journal.ResumeFrom("0000000005000-x").Subscribe(res);
        scheduler.AdvanceTo(Ms(10_300));
        Assert.Empty(res.Messages);

        var h1 = Item(6_000, "h1");
        history.Complete([h1]);

        res.Messages.AssertEqual(OnNext(Ms(10_300), h1), OnNext(Ms(10_300), x), OnCompleted<SseEvent>(Ms(10_300)));
    }

    [Fact]
    public void Disposing_a_reader_while_the_store_is_read_cancels_the_read_and_delivers_nothing()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(10_000));
        var xs = scheduler.CreateHotObservable(OnNext(Ms(10_100), Item(10_100, "x")));
        var history = new FakeHistory { Pending = true };
        using var journal = xs.ToJournal(new JournalOptions { History = history }, scheduler);

        var res = scheduler.CreateObserver<SseEvent>();
        var subscription = journal.ResumeFrom("0000000005000-x").Subscribe(res);
        scheduler.AdvanceTo(Ms(10_200));
        Assert.False(history.LastToken.IsCancellationRequested);

        subscription.Dispose();
        Assert.True(history.LastToken.IsCancellationRequested);
        Assert.Equal(0, journal.ReaderCount);
        history.Complete([Item(6_000, "h1")]);

        Assert.Empty(res.Messages);
        xs.Subscriptions.AssertEqual(Subscribe(Ms(10_000), Ms(10_200)));
    }

    // ---- The source subscription ---------------------------------------------------------------------------------

    [Fact]
    public void The_source_is_subscribed_by_the_first_reader_and_released_by_the_last_and_the_buffer_survives()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var b = Item(2, "b");
        var c = Item(3, "c");
        var d = Item(4, "d");
        var xs = scheduler.CreateHotObservable(OnNext(250, a), OnNext(350, b), OnNext(550, c), OnNext(650, d));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);

        var first = SubscribeAt(scheduler, 200, () => journal.ResumeFrom(null), disposeAt: 400);
        var second = SubscribeAt(scheduler, 300, () => journal.ResumeFrom(null), disposeAt: 500);
        var later = SubscribeAt(scheduler, 600, () => journal.ResumeFrom(a.Id.ToString()), disposeAt: 700);
        scheduler.AdvanceTo(450);
        Assert.Equal(1, journal.ReaderCount);
        scheduler.Start();

        first.Messages.AssertEqual(OnNext(250, a), OnNext(350, b));
        second.Messages.AssertEqual(OnNext(350, b));

        // c was emitted while no one listened, so the journal never saw it; b is replayed from the kept buffer.
        later.Messages.AssertEqual(OnNext(600, b), OnNext(650, d));
        xs.Subscriptions.AssertEqual(Subscribe(200, 500), Subscribe(600, 700));
        Assert.Equal(0, journal.ReaderCount);
    }

    [Fact]
    public void Notifications_from_a_released_source_subscription_are_kept_until_the_new_one_delivers_and_its_end_is_ignored()
    {
        var scheduler = new TestScheduler();
        var source = new LeakySource();
        using var journal = source.ToJournal(new JournalOptions(), scheduler);

        journal.ResumeFrom(null).Subscribe(_ => { }).Dispose();
        var res = scheduler.CreateObserver<SseEvent>();
        using var reader = journal.ResumeFrom(null).Subscribe(res);
        var x = Item(1, "x");
        var y = Item(2, "y");
        var z = Item(3, "z");

        // x may be a poll the released subscription completed before it stopped: the source has moved past it.
        source.Observers[0].OnNext(x);
        source.Observers[0].OnCompleted();
        source.Observers[1].OnNext(y);

        // Once the new subscription has delivered, a straggler would be out of order.
        source.Observers[0].OnNext(z);

        Assert.Equal(2, source.Observers.Count);
        res.Messages.AssertEqual(OnNext(0, x), OnNext(0, y));
        Assert.Equal(y.Id, journal.Head);
        Assert.Equal(2, journal.Count);
    }

    [Fact]
    public void A_source_that_never_emits_keeps_readers_waiting_and_subscribed()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable<SseEvent>();
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);

        var res = scheduler.Start(() => journal.ResumeFrom(null));

        res.Messages.AssertEqual();
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void Source_completion_completes_the_readers_keeps_the_buffer_and_the_next_reader_resubscribes()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var xs = scheduler.CreateHotObservable(OnNext(250, a), OnCompleted<SseEvent>(300));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);

        var first = SubscribeAt(scheduler, 200, () => journal.ResumeFrom(null));
        var later = SubscribeAt(scheduler, 400, () => journal.ResumeFrom("0000000000000-"), disposeAt: 500);
        scheduler.Start();

        first.Messages.AssertEqual(OnNext(250, a), OnCompleted<SseEvent>(300));
        later.Messages.AssertEqual(OnNext(400, a));
        xs.Subscriptions.AssertEqual(Subscribe(200, 300), Subscribe(400, 500));
    }

    [Fact]
    public void A_source_error_fails_every_current_reader_with_that_error()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("poller gave up");
        var a = Item(1, "a");
        var xs = scheduler.CreateHotObservable(OnNext(250, a), OnError<SseEvent>(300, error));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);

        var first = SubscribeAt(scheduler, 200, () => journal.ResumeFrom(null));
        var second = SubscribeAt(scheduler, 260, () => journal.ResumeFrom(null));
        scheduler.Start();

        first.Messages.AssertEqual(OnNext(250, a), OnError<SseEvent>(300, error));
        second.Messages.AssertEqual(OnError<SseEvent>(300, error));
        Assert.Equal(0, journal.ReaderCount);
    }

    [Fact]
    public void A_source_that_throws_on_subscribe_fails_the_reader()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("cannot subscribe");
        var source = Observable.Create<SseEvent>((Func<IObserver<SseEvent>, IDisposable>)(_ => throw error));
        using var journal = source.ToJournal(new JournalOptions(), scheduler);

        var res = scheduler.CreateObserver<SseEvent>();
        using var reader = journal.ResumeFrom(null).Subscribe(res);

        res.Messages.AssertEqual(OnError<SseEvent>(0, error));
    }

    [Fact]
    public void Disposing_the_journal_completes_every_reader_releases_the_source_and_completes_later_readers()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var xs = scheduler.CreateHotObservable(OnNext(250, a), OnNext(450, Item(2, "b")));
        var journal = xs.ToJournal(new JournalOptions(), scheduler);

        var first = SubscribeAt(scheduler, 200, () => journal.ResumeFrom(null));
        var second = SubscribeAt(scheduler, 300, () => journal.ResumeFrom(a.Id.ToString()));
        scheduler.ScheduleAbsolute(default(object), 400, (_, _) =>
        {
            journal.Dispose();
            journal.Dispose();
            return Disposable.Empty;
        });
        var late = SubscribeAt(scheduler, 500, () => journal.ResumeFrom(null));
        scheduler.Start();

        first.Messages.AssertEqual(OnNext(250, a), OnCompleted<SseEvent>(400));
        second.Messages.AssertEqual(OnCompleted<SseEvent>(400));
        late.Messages.AssertEqual(OnCompleted<SseEvent>(500));
        xs.Subscriptions.AssertEqual(Subscribe(200, 400));
        Assert.Equal(0, journal.ReaderCount);
    }

    [Fact]
    public void A_disposed_reader_gets_nothing_more_and_others_keep_going()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var b = Item(2, "b");
        var xs = scheduler.CreateHotObservable(OnNext(250, a), OnNext(350, b));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);

        var leaving = SubscribeAt(scheduler, 200, () => journal.ResumeFrom(null), disposeAt: 300);
        var staying = SubscribeAt(scheduler, 200, () => journal.ResumeFrom(null));
        scheduler.Start();

        leaving.Messages.AssertEqual(OnNext(250, a));
        staying.Messages.AssertEqual(OnNext(250, a), OnNext(350, b));
        Assert.Equal(1, journal.ReaderCount);
    }

    [Fact]
    public void A_reader_that_unsubscribes_during_its_replay_stops_there()
    {
        var scheduler = new TestScheduler();
        var a = Item(1, "a");
        var b = Item(2, "b");
        var c = Item(3, "c");
        var xs = scheduler.CreateHotObservable(OnNext(110, a), OnNext(120, b), OnNext(130, c));
        using var journal = xs.ToJournal(new JournalOptions(), scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });
        scheduler.AdvanceTo(150);

        var res = journal.ResumeFrom(a.Id.ToString()).Take(1).ToList().Wait();

        Assert.Equal([b], res);
        Assert.Equal(1, journal.ReaderCount);
    }

    // ---- Concurrency -----------------------------------------------------------------------------------------------

    [Fact]
    public void An_event_appended_during_a_replay_is_delivered_after_the_replay()
    {
        var scheduler = new TestScheduler();
        using var subject = new Subject<SseEvent>();
        using var journal = subject.ToJournal(new JournalOptions(), scheduler);
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });
        var a = Item(1, "a");
        var b = Item(2, "b");
        var c = Item(3, "c");
        var d = Item(4, "d");
        subject.OnNext(a);
        subject.OnNext(b);
        subject.OnNext(c);

        // The reader's own callback makes the source emit while the reader is still replaying b and c.
        var received = new List<SseEvent>();
        using var reader = journal.ResumeFrom(a.Id.ToString()).Subscribe(value =>
        {
            received.Add(value);
            if (value == b)
            {
                subject.OnNext(d);
            }
        });

        Assert.Equal([b, c, d], received);
    }

    [Fact]
    public async Task Readers_resuming_while_another_thread_appends_see_no_gap_and_no_duplicate()
    {
        const int readerCount = 16;
        const int prefilled = 20_000;
        const int maxEvents = 400_000;
        using var subject = new Subject<SseEvent>();
        using var journal = subject.ToJournal(new JournalOptions { Capacity = maxEvents }, new TestScheduler());
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });
        var appended = new List<SseEvent>();
        for (var i = 0; i < prefilled; i++)
        {
            appended.Add(Item(1_000 + i, $"k{i}"));
            subject.OnNext(appended[^1]);
        }

        var subscribed = 0;
        using var start = new Barrier(readerCount + 1);

        // The producer keeps appending until every reader has subscribed, and a while after, so that the long
        // replays (up to 20,000 events) overlap with appends.
        var producer = Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                var tail = 0;
                for (var i = prefilled; i < maxEvents && tail < 2_000; i++)
                {
                    var value = Item(1_000 + i, $"k{i}");
                    appended.Add(value);
                    subject.OnNext(value);
                    if (Volatile.Read(ref subscribed) == readerCount)
                    {
                        tail++;
                    }
                }
            },
            TaskCreationOptions.LongRunning);

        var received = new ConcurrentQueue<SseEvent>[readerCount];
        var resumedAfter = new int[readerCount];
        var subscriptions = new IDisposable[readerCount];
        var readers = Enumerable.Range(0, readerCount).Select(r => Task.Factory.StartNew(
            () =>
            {
                var random = new Random(r);
                var queue = received[r] = new ConcurrentQueue<SseEvent>();
                start.SignalAndWait();

                // Half resume from the head as it moves, half from far behind it.
                var index = r % 2 == 0 ? (int)(journal.Head!.Value.UnixMilliseconds - 1_000) : random.Next(prefilled);
                resumedAfter[r] = index;
                subscriptions[r] = journal.ResumeFrom(new SseEventId(1_000 + index, $"k{index}").ToString()).Subscribe(queue.Enqueue);
                Interlocked.Increment(ref subscribed);
            },
            TaskCreationOptions.LongRunning)).ToArray();

        await Task.WhenAll([producer, .. readers]);

        for (var r = 0; r < readerCount; r++)
        {
            var expected = appended.Skip(resumedAfter[r] + 1).ToArray();
            var actual = received[r].ToArray();
            Assert.True(
                expected.AsSpan().SequenceEqual(actual),
                $"reader {r} resumed after {resumedAfter[r]}: expected {expected.Length} events, got {actual.Length}");
            subscriptions[r].Dispose();
        }

        Assert.Equal(1, journal.ReaderCount);
    }

    // ---- Arguments and entry points ----------------------------------------------------------------------------

    [Fact]
    public void Arguments_are_checked()
    {
        var source = Observable.Never<SseEvent>();
        var scheduler = new TestScheduler();
        Assert.Throws<ArgumentNullException>("source", () => SseObservable.ToJournal(null!, new JournalOptions(), scheduler));
        Assert.Throws<ArgumentNullException>("options", () => source.ToJournal(null!, scheduler));
        Assert.Throws<ArgumentNullException>("scheduler", () => source.ToJournal(new JournalOptions(), null!));
        Assert.Throws<ArgumentNullException>("source", () => SseObservable.ToJournal(null!));
        Assert.Throws<ArgumentOutOfRangeException>("Capacity", () => source.ToJournal(new JournalOptions { Capacity = 0 }, scheduler));
        Assert.Throws<ArgumentOutOfRangeException>("MaxAge", () => source.ToJournal(new JournalOptions { MaxAge = TimeSpan.Zero }, scheduler));
        Assert.Throws<ArgumentOutOfRangeException>(
            "HistoryWindow", () => source.ToJournal(new JournalOptions { HistoryWindow = TimeSpan.FromTicks(-1) }, scheduler));
        Assert.Throws<ArgumentOutOfRangeException>(
            "MaxHistoryEvents", () => source.ToJournal(new JournalOptions { MaxHistoryEvents = 0 }, scheduler));

        using var journal = source.ToJournal(new JournalOptions(), scheduler);
        Assert.Throws<ArgumentNullException>("observer", () => journal.ResumeFrom(null).Subscribe(null!));
    }

    [Fact]
    public void ToJournal_without_options_keeps_the_default_100_events()
    {
        using var subject = new Subject<SseEvent>();
        using var journal = subject.ToJournal();
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        for (var i = 0; i < 150; i++)
        {
            subject.OnNext(Item(1_000 + i, $"k{i}"));
        }

        Assert.Equal(100, journal.Count);
        Assert.Equal(SseEventId.Parse("0000000001149-k149"), journal.Head);
    }

    [Fact]
    public void ToJournal_copies_the_options_so_later_changes_have_no_effect()
    {
        var scheduler = new TestScheduler();
        using var subject = new Subject<SseEvent>();
        var options = new JournalOptions { Capacity = 2 };
        using var journal = subject.ToJournal(options, scheduler);
        options.Capacity = 10;
        using var keeper = journal.ResumeFrom(null).Subscribe(_ => { });

        for (var i = 0; i < 5; i++)
        {
            subject.OnNext(Item(1_000 + i, $"k{i}"));
        }

        Assert.Equal(2, journal.Count);
    }

    private static ITestableObserver<SseEvent> SubscribeAt(
        TestScheduler scheduler, long subscribeAt, Func<IObservable<SseEvent>> create, long disposeAt = long.MaxValue)
    {
        var observer = scheduler.CreateObserver<SseEvent>();
        var subscription = new SerialDisposable();
        scheduler.ScheduleAbsolute(default(object), subscribeAt, (_, _) =>
        {
            subscription.Disposable = create().Subscribe(observer);
            return Disposable.Empty;
        });
        if (disposeAt != long.MaxValue)
        {
            scheduler.ScheduleAbsolute(default(object), disposeAt, (_, _) =>
            {
                subscription.Dispose();
                return Disposable.Empty;
            });
        }

        return observer;
    }

    /// <summary>A source whose subscriptions keep their observer after disposal, like one caught mid-teardown.</summary>
    private sealed class LeakySource : IObservable<SseEvent>
    {
        public List<IObserver<SseEvent>> Observers { get; } = [];

        public IDisposable Subscribe(IObserver<SseEvent> observer)
        {
            Observers.Add(observer);
            return Disposable.Empty;
        }
    }
}
