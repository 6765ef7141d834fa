using System.Reactive.Linq;
using System.Reactive.Subjects;
using SseRx.Tests.Testing;
using static SseRx.Tests.Events.TestEvents;
using static SseRx.Tests.Journal.JournalTestKit;

namespace SseRx.Tests.Journal;

public sealed class EventJournalTests
{
    // ---- New clients ------------------------------------------------------------------------------------------------

    [Fact]
    public void A_new_client_gets_the_recent_entries_and_the_latest_state_in_id_order_then_live()
    {
        var (_, feed, journal) = NewJournal(new JournalOptions { RecentEntries = 2 });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), S(100, "b").Id, E(10, "x"), S(100, "a", 1), S(100, "b", 1)));
        feed.OnNext(B(S(100, "b").Id, S(200, "a").Id, E(150, "y"), E(160, "z"), S(200, "a", 2)));

        var client = Reader.Of(journal, null);
        feed.OnNext(B(S(200, "a").Id, W(300), E(250, "w")));

        // Recent entries y and z (x fell out of the two kept), a's latest (200) and b's (100), merged by id; then live.
        Assert.Equal(["0000000000100-~b", "0000000000150-y", "0000000000160-z", "0000000000200-~a", "0000000000250-w"], client.Ids);
    }

    [Fact]
    public void Delivering_a_batch_allocates_nothing_per_reader()
    {
        // The journal's own work is per batch; per reader it only hands over the events it already holds.
        static long AllocatedWith(int readers)
        {
            var (_, feed, journal) = NewJournal();
            var observer = new SseRx.Tests.Heartbeat.CountingObserver<SseEvent>();
            var subscriptions = Enumerable.Range(0, readers).Select(_ => journal.ResumeFrom(null).Subscribe(observer)).ToList();
            var batches = Enumerable.Range(0, 101).Select(i => B(W(i * 10), W((i * 10) + 10), E((i * 10) + 5, "e" + i))).ToArray();
            feed.OnNext(batches[0]);

            var before = GC.GetAllocatedBytesForCurrentThread();
            foreach (var batch in batches.Skip(1))
            {
                feed.OnNext(batch);
            }

            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(readers * 101, observer.Count);
            subscriptions.ForEach(subscription => subscription.Dispose());
            return allocated;
        }

        var one = AllocatedWith(1);
        var thousand = AllocatedWith(1000);

        // 100 batches to 999 more readers: even one 24-byte object per reader per batch would be 2.4 MB.
        Assert.True(thousand - one < 10_000, $"1,000 readers allocated {thousand - one:N0} bytes more than one reader for 100 batches.");
    }

    [Fact]
    public void A_client_that_arrives_before_the_first_batch_gets_everything_live()
    {
        var (_, feed, journal) = NewJournal();
        var client = Reader.Of(journal, null);

        feed.OnNext(B(W(0), S(100, "a").Id, E(10, "x"), S(100, "a")));

        Assert.Equal(["0000000000010-x", "0000000000100-~a"], client.Ids);
        Assert.Null(client.Error);
    }

    [Fact]
    public void A_resync_before_the_first_batch_points_at_the_journals_creation_so_a_resume_from_it_misses_nothing()
    {
        // Created at 100 s; a client with a cursor nothing vouches for arrives at 110 s, before the first poll.
        var (scheduler, feed, journal) = NewJournal(ms: 100_000);
        using var keeper = Reader.Of(journal, null).Subscription;
        scheduler.AdvanceTo(Ms(110_000));
        var lost = Reader.Of(journal, "0000000050000-old");
        var resync = Assert.Single(lost.Events);
        Assert.Equal(SseEventTypes.Resync, resync.Type);

        // The first batch (its record starting before the journal, as a feed's first poll does) holds an entry stamped
        // at 105 s, before "now" when the resync was sent. A client that
        // dropped right after the resync and resumes from its id still gets it.
        lost.Subscription.Dispose();
        feed.OnNext(B(W(90_000), W(108_000), E(105_000, "x")));
        var resumed = Reader.Of(journal, resync.Id.ToString());

        Assert.Equal("0000000100000-", resync.Id.ToString());
        Assert.Equal(["0000000105000-x"], resumed.Ids);
    }

    [Fact]
    public void A_client_resuming_from_the_initial_cursor_is_answered_as_a_new_client()
    {
        var (_, feed, journal) = NewJournal(new JournalOptions { RecentEntries = 5 });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), S(100, "a").Id, E(10, "x"), S(100, "a")));

        var fresh = Reader.Of(journal, null);
        var initial = Reader.Of(journal, SseEventId.Initial.ToString());

        Assert.Equal("0000000000000-", SseEventId.Initial.ToString());
        Assert.Equal(["0000000000010-x", "0000000000100-~a"], initial.Ids);
        Assert.Equal(fresh.Ids, initial.Ids);
        Assert.DoesNotContain(initial.Events, e => e.Type == SseEventTypes.Resync);
    }

    [Fact]
    public void Connect_keeps_the_source_subscribed_with_no_reader_so_pushed_events_are_held_for_a_resume()
    {
        var (_, feed, journal) = NewJournal();
        var first = Reader.Of(journal, null);
        feed.OnNext(B(W(0), E(10, "x").Id, E(10, "x")));
        first.Subscription.Dispose();

        // Without a reader or a pin the journal lets go of its source: a batch pushed now is not seen.
        Assert.False(feed.HasObservers);

        using (journal.Connect())
        {
            Assert.True(feed.HasObservers);
            feed.OnNext(B(E(10, "x").Id, E(20, "y").Id, E(20, "y")));
            var resumed = Reader.Of(journal, "0000000000010-x");
            Assert.Equal(["0000000000020-y"], resumed.Ids);
            resumed.Subscription.Dispose();
            Assert.True(feed.HasObservers);
        }

        Assert.False(feed.HasObservers);
    }

    // ---- Resume from memory -----------------------------------------------------------------------------------------

    [Fact]
    public void A_cursor_at_or_after_the_floor_replays_every_held_event_after_it_then_live()
    {
        var (_, feed, journal) = NewJournal();
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), S(100, "a").Id, E(10, "x"), E(20, "y"), S(100, "a")));

        var exact = Reader.Of(journal, "0000000000010-x");
        var between = Reader.Of(journal, "0000000000015-q");
        var watermark = Reader.Of(journal, W(20).ToString());
        feed.OnNext(B(S(100, "a").Id, W(200), E(150, "z")));

        Assert.Equal(["0000000000020-y", "0000000000100-~a", "0000000000150-z"], exact.Ids);
        Assert.Equal(["0000000000020-y", "0000000000100-~a", "0000000000150-z"], between.Ids);
        Assert.Equal(["0000000000100-~a", "0000000000150-z"], watermark.Ids);
    }

    [Fact]
    public void A_cursor_ahead_of_this_instance_gets_nothing_until_the_journal_passes_it()
    {
        var (_, feed, journal) = NewJournal();
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), W(100), E(10, "x")));

        // Another instance polled later: its client has everything up to 250 ms.
        var client = Reader.Of(journal, W(250).ToString());
        feed.OnNext(B(W(100), S(200, "a").Id, E(150, "y"), S(200, "a")));
        feed.OnNext(B(S(200, "a").Id, S(300, "a").Id, E(260, "z"), S(300, "a", 2)));

        Assert.Equal(["0000000000260-z", "0000000000300-~a"], client.Ids);
    }

    [Fact]
    public void A_cursor_further_ahead_than_MaxCursorLead_gets_a_resync()
    {
        var (_, feed, journal) = NewJournal(new JournalOptions { MaxCursorLead = TimeSpan.FromSeconds(10) });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), S(100_000, "a").Id, S(100_000, "a")));

        var client = Reader.Of(journal, W(100_000 + 11_000).ToString());

        Assert.Equal(["resync", "count"], client.Events.Select(e => e.Type));
        Assert.Equal("unknown", ((ResyncData)client.Events[0].Payload!).Reason);
    }

    // ---- What the journal appends -----------------------------------------------------------------------------------

    [Fact]
    public void A_batch_that_overlaps_what_is_held_adds_only_what_is_after_the_position()
    {
        var (_, feed, journal) = NewJournal();
        var client = Reader.Of(journal, null);
        feed.OnNext(B(W(0), W(100), E(10, "x"), E(20, "y")));

        // A second poller during a hand-over read from an older position.
        feed.OnNext(B(W(15), W(200), E(20, "y"), E(150, "z")));
        feed.OnNext(B(W(0), W(150), E(10, "x")));

        Assert.Equal(["0000000000010-x", "0000000000020-y", "0000000000150-z"], client.Ids);
        Assert.Equal(W(200), journal.Position);
        Assert.Equal(3, journal.Count);
    }

    [Fact]
    public void A_batch_that_does_not_connect_restarts_the_record_so_older_cursors_go_to_history()
    {
        var history = new FakeHistory();
        var (_, feed, journal) = NewJournal(new JournalOptions { History = history });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), W(100), E(10, "x")));
        feed.OnNext(B(W(500), W(600), E(550, "y")));

        _ = Reader.Of(journal, W(100).ToString());

        Assert.Equal((W(100), W(600), 1000), Assert.Single(history.Calls));
    }

    // ---- Bounds -----------------------------------------------------------------------------------------------------

    [Fact]
    public void Capacity_evicts_the_oldest_raising_the_floor_but_the_latest_state_survives()
    {
        var (_, feed, journal) = NewJournal(new JournalOptions { Capacity = 2, RecentEntries = 0 });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), S(100, "a").Id, E(10, "x"), E(20, "y"), S(100, "a")));
        feed.OnNext(B(S(100, "a").Id, W(200), E(150, "z")));

        Assert.Equal(2, journal.Count);
        Assert.Equal(S(100, "a").Id, journal.LatestState("a")!.Id);

        // y was evicted, so a cursor before it cannot be served from memory, and there is no history.
        var client = Reader.Of(journal, "0000000000015-q");
        Assert.Equal(["resync", "count"], client.Events.Select(e => e.Type));
        Assert.Equal("unknown", ((ResyncData)client.Events[0].Payload!).Reason);
    }

    [Fact]
    public void Events_expire_after_MaxAge_and_a_cursor_that_old_gets_too_old()
    {
        var (scheduler, feed, journal) = NewJournal(new JournalOptions { MaxAge = TimeSpan.FromSeconds(30) }, ms: 100_000);
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), W(100_000), E(99_000, "x")));
        scheduler.AdvanceTo(Ms(131_000));

        Assert.Equal(0, journal.Count);

        // The client of x has everything the journal could hold after it; an older cursor is too old for any journal.
        Assert.Empty(Reader.Of(journal, "0000000099000-x").Events);
        var client = Reader.Of(journal, "0000000098000-q");
        Assert.Equal("too_old", ((ResyncData)client.Events[0].Payload!).Reason);
    }

    // ---- Resume from the store --------------------------------------------------------------------------------------

    [Fact]
    public void A_cursor_before_the_floor_replays_the_store_up_to_the_position_merged_with_newer_state_then_live()
    {
        var history = new FakeHistory();
        var (_, feed, journal) = NewJournal(new JournalOptions { History = history, Capacity = 2, RecentEntries = 0 });
        using var keeper = Reader.Of(journal, null).Subscription;
        history.Store.AddRange([E(10, "x"), E(20, "y"), E(150, "z")]);
        feed.OnNext(B(W(0), S(100, "a").Id, E(10, "x"), E(20, "y"), S(100, "a")));
        feed.OnNext(B(S(100, "a").Id, S(200, "b").Id, E(150, "z"), S(200, "b")));

        var client = Reader.Of(journal, "0000000000010-x");
        feed.OnNext(B(S(200, "b").Id, W(300), E(250, "w")));

        Assert.Equal((SseEventId.Parse("0000000000010-x"), S(200, "b").Id, 1000), Assert.Single(history.Calls));
        Assert.Equal(["0000000000020-y", "0000000000100-~a", "0000000000150-z", "0000000000200-~b", "0000000000250-w"], client.Ids);
    }

    [Fact]
    public void Live_batches_that_arrive_during_a_history_read_follow_it_minus_what_it_covered()
    {
        var history = new FakeHistory { Pending = true };
        var (_, feed, journal) = NewJournal(new JournalOptions { History = history, Capacity = 1, RecentEntries = 0 });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), W(100), E(10, "x"), E(20, "y")));

        var client = Reader.Of(journal, "0000000000005-q");
        feed.OnNext(B(W(100), W(200), E(150, "z")));
        Assert.Empty(client.Events);

        history.Complete([E(10, "x"), E(20, "y")]);
        feed.OnNext(B(W(200), W(300), E(250, "w")));

        Assert.Equal(["0000000000010-x", "0000000000020-y", "0000000000150-z", "0000000000250-w"], client.Ids);
    }

    [Fact]
    public void On_a_fresh_journal_the_history_read_waits_for_the_first_batch_and_meets_the_live_feed_at_its_position()
    {
        var history = new FakeHistory();
        history.Store.AddRange([E(10, "x"), E(20, "y"), E(150, "z")]);
        var (_, feed, journal) = NewJournal(new JournalOptions { History = history });

        // A client of the previous process resumes before this one has polled.
        var client = Reader.Of(journal, "0000000000010-x");
        Assert.Empty(history.Calls);

        // The first poll: recent entries up to its watermark, and the state.
        feed.OnNext(B(SseEventId.Parse("0000000000010-x"), S(200, "a").Id, E(10, "x"), E(20, "y"), E(150, "z"), S(200, "a")));
        feed.OnNext(B(S(200, "a").Id, W(300), E(250, "w")));

        Assert.Equal((SseEventId.Parse("0000000000010-x"), S(200, "a").Id, 1000), Assert.Single(history.Calls));
        Assert.Equal(["0000000000020-y", "0000000000150-z", "0000000000200-~a", "0000000000250-w"], client.Ids);
    }

    [Theory]
    [InlineData("unknown")]
    [InlineData("fault")]
    public void A_store_that_cannot_answer_gives_one_resync_and_the_current_state(string failure)
    {
        var history = new FakeHistory { Unknown = failure == "unknown", Fault = failure == "fault" ? new TimeoutException() : null };
        var (_, feed, journal) = NewJournal(new JournalOptions { History = history, Capacity = 1, RecentEntries = 1 });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), S(100, "a").Id, E(10, "x"), E(20, "y"), S(100, "a")));

        var client = Reader.Of(journal, "0000000000005-q");

        Assert.Equal(["resync", "entry", "count"], client.Events.Select(e => e.Type));
        Assert.Equal("unknown", ((ResyncData)client.Events[0].Payload!).Reason);

        // The resync's id is a cursor just before the state that follows it.
        Assert.Equal(SseEventId.AtTime(At(20)), client.Events[0].Id);
        Assert.Equal(["0000000000020-y", "0000000000100-~a"], client.Events.Skip(1).Ids());
    }

    [Fact]
    public void A_full_store_answer_that_stops_short_of_the_position_gives_too_old()
    {
        var history = new FakeHistory();
        history.Store.AddRange([E(10, "x"), E(20, "y"), E(30, "z")]);
        var (_, feed, journal) = NewJournal(new JournalOptions { History = history, MaxHistoryEvents = 2, Capacity = 1 });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), W(100), E(10, "x"), E(20, "y"), E(30, "z")));

        var client = Reader.Of(journal, "0000000000005-q");

        Assert.Equal("too_old", ((ResyncData)client.Events[0].Payload!).Reason);
    }

    [Fact]
    public void A_cursor_older_than_HistoryWindow_gets_too_old_without_asking_the_store()
    {
        var history = new FakeHistory();
        var (_, feed, journal) = NewJournal(new JournalOptions { History = history, HistoryWindow = TimeSpan.FromSeconds(10) }, ms: 100_000);
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(80_000), W(99_000), E(95_000, "x")));

        var client = Reader.Of(journal, "0000000000050-q");

        Assert.Equal("too_old", ((ResyncData)client.Events[0].Payload!).Reason);
        Assert.Empty(history.Calls);
    }

    [Fact]
    public void Events_a_faulty_store_returns_outside_the_range_or_out_of_order_are_dropped()
    {
        var history = new FakeHistory { Answer = [E(8, "at"), E(5, "before"), E(30, "b"), E(20, "a"), E(40, "c"), S(50, "state"), E(500, "after")] };
        var (_, feed, journal) = NewJournal(new JournalOptions { History = history, Capacity = 1, RecentEntries = 0 });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), W(100), E(10, "x"), E(60, "y")));

        var client = Reader.Of(journal, "0000000000008-q");

        Assert.Equal(["0000000000030-b", "0000000000040-c"], client.Ids);
    }

    [Fact]
    public void Leaving_during_a_history_read_cancels_it_and_nothing_is_sent()
    {
        var history = new FakeHistory { Pending = true };
        var (_, feed, journal) = NewJournal(new JournalOptions { History = history, Capacity = 1 });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), W(100), E(10, "x"), E(20, "y")));
        var client = Reader.Of(journal, "0000000000005-q");

        client.Subscription.Dispose();

        Assert.True(history.LastToken.IsCancellationRequested);
        history.Complete([E(10, "x")]);
        Assert.Empty(client.Events);
        Assert.Equal(1, journal.ReaderCount);
    }

    // ---- Resync -----------------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("12345")]
    [InlineData("0000000000010-bad key")]
    public void A_malformed_id_gets_a_malformed_resync_made_by_the_options_factory_then_the_state(string lastEventId)
    {
        var made = new List<(SseEventId Id, string Reason)>();
        var (_, feed, journal) = NewJournal(new JournalOptions
        {
            Resync = (id, reason) =>
            {
                made.Add((id, reason));
                return SseEvents.Resync(id, reason);
            },
        });
        using var keeper = Reader.Of(journal, null).Subscription;
        feed.OnNext(B(W(0), S(100, "a").Id, S(100, "a")));

        var client = Reader.Of(journal, lastEventId);

        Assert.Equal([(SseEventId.AtTime(At(100)), "malformed")], made);
        Assert.Equal(["resync", "count"], client.Events.Select(e => e.Type));
    }

    // ---- Lifecycle --------------------------------------------------------------------------------------------------

    [Fact]
    public void The_source_is_subscribed_by_the_first_reader_released_by_the_last_and_subscribed_again_later()
    {
        var scheduler = new TestScheduler();
        var subscriptions = 0;
        var active = 0;
        var feed = new Subject<SseBatch>();
        var source = Observable.Create<SseBatch>(o =>
        {
            subscriptions++;
            active++;
            var inner = feed.Subscribe(o);
            return () =>
            {
                active--;
                inner.Dispose();
            };
        });
        using var journal = source.ToJournal(new JournalOptions(), scheduler);

        var a = Reader.Of(journal, null);
        var b = Reader.Of(journal, null);
        feed.OnNext(B(W(0), W(100), E(10, "x")));
        a.Subscription.Dispose();
        Assert.Equal(1, active);
        b.Subscription.Dispose();
        Assert.Equal(0, active);

        var c = Reader.Of(journal, "0000000000010-x");
        feed.OnNext(B(W(100), W(200), E(150, "y")));

        Assert.Equal(2, subscriptions);
        Assert.Equal(["0000000000150-y"], c.Ids);
    }

    [Fact]
    public void When_the_source_fails_its_readers_fail_and_the_buffer_is_kept_for_the_next_reader()
    {
        var (_, feed, journal) = NewJournal();
        var a = Reader.Of(journal, null);
        feed.OnNext(B(W(0), W(100), E(10, "x")));
        var boom = new InvalidOperationException("boom");

        feed.OnError(boom);

        Assert.Same(boom, a.Error);
        Assert.Equal(W(100), journal.Position);
        Assert.Equal(0, journal.ReaderCount);
    }

    [Fact]
    public void Disposing_the_journal_completes_every_reader_and_later_readers_complete_at_once()
    {
        var (_, feed, journal) = NewJournal();
        var a = Reader.Of(journal, null);
        feed.OnNext(B(W(0), W(100), E(10, "x")));

        journal.Dispose();
        var late = Reader.Of(journal, null);

        Assert.True(a.Completed);
        Assert.True(late.Completed);
        Assert.Empty(late.Events);
        Assert.False(feed.HasObservers);
    }

    [Fact]
    public void A_reader_whose_pipeline_throws_is_dropped_and_the_others_still_get_every_event()
    {
        var (_, feed, journal) = NewJournal();
        var faulty = Reader.Of(journal, null);
        faulty.OnEvent = _ => throw new InvalidOperationException("broken pipeline");
        var healthy = Reader.Of(journal, null);

        feed.OnNext(B(W(0), W(100), E(10, "x")));
        feed.OnNext(B(W(100), W(200), E(150, "y")));

        Assert.Equal(["0000000000010-x", "0000000000150-y"], healthy.Ids);
        Assert.Equal(["0000000000010-x"], faulty.Ids);
        Assert.Equal(1, journal.ReaderCount);
    }

    [Fact]
    public void A_reader_that_leaves_while_a_batch_is_delivered_to_it_gets_no_more_and_its_slot_is_freed()
    {
        var (_, feed, journal) = NewJournal();
        var leaver = Reader.Of(journal, null);
        leaver.OnEvent = _ => leaver.Subscription.Dispose();
        var stayer = Reader.Of(journal, null);

        feed.OnNext(B(W(0), W(100), E(10, "x"), E(20, "y")));

        Assert.Equal(["0000000000010-x"], leaver.Ids);
        Assert.Equal(["0000000000010-x", "0000000000020-y"], stayer.Ids);
        Assert.Equal(1, journal.ReaderCount);
    }

    [Fact]
    public void Arguments_and_options_are_checked()
    {
        var scheduler = new TestScheduler();
        var source = Observable.Never<SseBatch>();
        Assert.Throws<ArgumentNullException>(() => new EventJournal(null!, new JournalOptions(), scheduler));
        Assert.Throws<ArgumentNullException>(() => new EventJournal(source, null!, scheduler));
        Assert.Throws<ArgumentNullException>(() => new EventJournal(source, new JournalOptions(), null!));
        Assert.Equal("Capacity", Assert.Throws<ArgumentOutOfRangeException>(() => new JournalOptions { Capacity = 0 }.Validate()).ParamName);
        Assert.Equal("MaxAge", Assert.Throws<ArgumentOutOfRangeException>(() => new JournalOptions { MaxAge = TimeSpan.Zero }.Validate()).ParamName);
        Assert.Equal("RecentEntries", Assert.Throws<ArgumentOutOfRangeException>(() => new JournalOptions { RecentEntries = -1 }.Validate()).ParamName);
        Assert.Equal("HistoryWindow", Assert.Throws<ArgumentOutOfRangeException>(() => new JournalOptions { HistoryWindow = TimeSpan.Zero }.Validate()).ParamName);
        Assert.Equal("MaxHistoryEvents", Assert.Throws<ArgumentOutOfRangeException>(() => new JournalOptions { MaxHistoryEvents = 0 }.Validate()).ParamName);
        Assert.Equal("MaxCursorLead", Assert.Throws<ArgumentOutOfRangeException>(() => new JournalOptions { MaxCursorLead = TimeSpan.FromTicks(-1) }.Validate()).ParamName);
        Assert.Equal("Resync", Assert.Throws<ArgumentNullException>(() => new JournalOptions { Resync = null! }.Validate()).ParamName);
        using var journal = source.ToJournal(new JournalOptions(), scheduler);
        Assert.Throws<ArgumentNullException>(() => journal.ResumeFrom(null).Subscribe((IObserver<SseEvent>)null!));
        Assert.Throws<ArgumentNullException>(() => journal.LatestState(null!));
    }
}
