using System.Reactive.Linq;
using SseRx.Tests.Testing;
using static SseRx.Tests.Events.TestEvents;
using static SseRx.Tests.Journal.JournalTestKit;

namespace SseRx.Tests.Feed;

public sealed class SseFeedTests
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static SseFeed<TestEntry> Feed(
        TestEntryLog log, TestScheduler scheduler, IStateProjection<TestEntry>? projection = null, int recent = 20, int maxPerPoll = 1000,
        Func<TestEntry, SseEvent>? toEvent = null) =>
        new(
            log,
            new SseFeedOptions<TestEntry>
            {
                ToEvent = toEvent ?? TestEntry.ToEvent,
                Poll = new PollOptions { Interval = Interval },
                Projection = projection,
                RecentEntries = recent,
                MaxEntriesPerPoll = maxPerPoll,
            },
            scheduler);

    private static (TestScheduler Scheduler, TestEntryLog Log) Start(long atMs = 10_000)
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(atMs));
        return (scheduler, new TestEntryLog(scheduler, Delay));
    }

    private static List<SseBatch> Record(IObservable<SseBatch> feed, List<IDisposable> subscriptions)
    {
        var batches = new List<SseBatch>();
        subscriptions.Add(feed.Subscribe(batches.Add));
        return batches;
    }

    private static string[] Ids(IEnumerable<SseBatch> batches) => [.. batches.SelectMany(b => b.Events).Select(e => e.Id.ToString())];

    [Fact]
    public void The_first_poll_emits_the_recent_entries_and_the_state_then_each_poll_emits_what_settled_since()
    {
        var (scheduler, log) = Start();
        log.Write(new("a", 9_000));
        log.Write(new("b", 9_500));
        var subscriptions = new List<IDisposable>();
        var batches = Record(Feed(log, scheduler, new CountProjection(TimeSpan.FromHours(1))), subscriptions);

        scheduler.AdvanceBy(Ms(1));
        log.Write(new("c", 10_500));
        scheduler.AdvanceTo(Ms(11_001));

        Assert.Equal(2, batches.Count);

        // Poll at 10,000 ms: the watermark is 10,000 - 100 - 1 = 9,899 ms.
        Assert.Equal(["0000000009000-a", "0000000009500-b", "0000000009899-~count.A"], Ids(batches.Take(1)));
        Assert.Equal(SseEventId.Parse("0000000009899-~count.A"), batches[0].Through);

        // Poll at 11,000 ms: watermark 10,899 ms; the batch connects to the first.
        Assert.Equal(["0000000010500-c", "0000000010899-~count.A"], Ids(batches.Skip(1)));
        Assert.Equal(batches[0].Through, batches[1].After);
    }

    [Fact]
    public void An_entry_that_becomes_visible_late_is_emitted_once_its_range_settles_and_never_behind_a_position_already_emitted()
    {
        var (scheduler, log) = Start();
        var subscriptions = new List<IDisposable>();
        var batches = Record(Feed(log, scheduler), subscriptions);
        scheduler.AdvanceBy(Ms(1));

        // Stamped 10,950 ms, readable only at 11,020 ms (70 ms late, within the 100 ms bound).
        log.Write(new("late", 10_950), TimeSpan.FromMilliseconds(70));
        scheduler.AdvanceTo(Ms(11_001));
        Assert.DoesNotContain("0000000010950-late", Ids(batches));
        Assert.True(batches[^1].Through < SseEventId.Parse("0000000010950-late"), "No batch may claim the late entry's range before it settles.");

        scheduler.AdvanceTo(Ms(12_001));
        Assert.Equal(["0000000010950-late"], Ids(batches));
    }

    [Fact]
    public void Entries_written_with_any_lateness_within_the_bound_are_emitted_once_each_in_position_order()
    {
        var (scheduler, log) = Start();
        var random = new Random(7);
        var subscriptions = new List<IDisposable>();
        var batches = Record(Feed(log, scheduler), subscriptions);
        scheduler.AdvanceBy(Ms(1));
        for (var ms = 10_010L; ms < 20_000; ms += random.Next(1, 60))
        {
            scheduler.AdvanceTo(Ms(ms));
            log.Write(new($"e{ms}", ms), TimeSpan.FromMilliseconds(random.Next(0, 100)));
        }

        scheduler.AdvanceTo(Ms(22_001));

        Assert.Equal(log.All().Select(e => e.Id.ToString()), Ids(batches));
    }

    [Fact]
    public void A_failed_poll_emits_nothing_and_the_next_success_continues_from_the_position()
    {
        var (scheduler, log) = Start();
        var subscriptions = new List<IDisposable>();
        var batches = Record(Feed(log, scheduler), subscriptions);
        scheduler.AdvanceBy(Ms(1));
        log.Write(new("x", 10_200));
        log.Fault = new InvalidOperationException("store down");
        scheduler.AdvanceTo(Ms(11_001));
        Assert.Single(batches);

        log.Fault = null;
        scheduler.AdvanceTo(Ms(13_001));

        Assert.Equal(["0000000010200-x"], Ids(batches));
        Assert.Equal(batches[0].Through, batches[1].After);
    }

    [Fact]
    public void A_full_read_emits_what_it_read_and_the_next_poll_continues_after_it_with_the_state_once_caught_up()
    {
        var (scheduler, log) = Start();
        var subscriptions = new List<IDisposable>();
        var batches = Record(Feed(log, scheduler, new CountProjection(TimeSpan.Zero), recent: 0, maxPerPoll: 2), subscriptions);
        scheduler.AdvanceBy(Ms(1));
        foreach (var key in new[] { "a", "b", "c" })
        {
            log.Write(new(key, 10_100));
        }

        scheduler.AdvanceTo(Ms(11_001));
        Assert.Equal(["0000000010100-a", "0000000010100-b"], Ids(batches.Skip(1)));
        Assert.Equal(SseEventId.Parse("0000000010100-b"), batches[^1].Through);

        scheduler.AdvanceTo(Ms(12_001));
        Assert.Equal(["0000000010100-c", "0000000011899-~count.A"], Ids(batches.Skip(2)));
    }

    [Fact]
    public void Two_overlapping_subscriptions_emit_each_entry_once_between_them()
    {
        var (scheduler, log) = Start();
        var feed = Feed(log, scheduler, recent: 0);
        var subscriptions = new List<IDisposable>();
        var first = Record(feed, subscriptions);
        var second = Record(feed, subscriptions);
        for (var ms = 10_000L; ms < 15_000; ms += 250)
        {
            scheduler.AdvanceTo(Ms(ms));
            log.Write(new($"e{ms}", ms + 1));
        }

        scheduler.AdvanceTo(Ms(17_001));

        Assert.Equal(log.All().Select(e => e.Id.ToString()), Ids(first.Concat(second).OrderBy(b => b.Through)));
        Assert.NotEmpty(first.SelectMany(b => b.Events));
    }

    [Fact]
    public void The_first_poll_builds_the_projection_from_its_window_but_emits_only_the_most_recent_entries()
    {
        var (scheduler, log) = Start(atMs: 10_000_000);
        for (var i = 0; i < 10; i++)
        {
            log.Write(new($"k{i}", 10_000_000 - ((10 - i) * 600_000L)));
        }

        var projection = new CountProjection(TimeSpan.FromHours(1));
        var subscriptions = new List<IDisposable>();
        var batches = Record(Feed(log, scheduler, projection, recent: 2), subscriptions);
        scheduler.AdvanceBy(Ms(1));

        // Ten entries 10 minutes apart: six fall in the last hour and are counted. Of the two most recent, only one is
        // within the 15-minute recent window, so the batch vouches for that window.
        Assert.Equal(6, projection.Applied.Count);
        Assert.Equal(["0000009400000-k9", "0000009999899-~count.A"], Ids(batches));
        Assert.Equal(W(9_999_899 - 900_000), batches[0].After);
    }

    [Fact]
    public void An_entry_whose_event_cannot_be_made_or_has_another_id_is_skipped_and_counted()
    {
        var (scheduler, log) = Start();
        var feed = Feed(log, scheduler, recent: 0, toEvent: e => e.Key switch
        {
            "boom" => throw new FormatException("bad row"),
            "moved" => TestEntry.ToEvent(e with { Ms = e.Ms + 1 }),
            _ => TestEntry.ToEvent(e),
        });
        var subscriptions = new List<IDisposable>();
        var batches = Record(feed, subscriptions);
        scheduler.AdvanceBy(Ms(1));
        log.Write(new("boom", 10_100));
        log.Write(new("moved", 10_200));
        log.Write(new("fine", 10_300));

        scheduler.AdvanceTo(Ms(11_001));

        Assert.Equal(["0000000010300-fine"], Ids(batches));
        Assert.Equal(2, feed.SkippedEntries);
    }

    [Fact]
    public void Polls_once_per_interval_and_stops_when_unsubscribed()
    {
        var (scheduler, log) = Start();
        var feed = Feed(log, scheduler, recent: 0);
        var subscription = feed.Subscribe(_ => { });
        scheduler.AdvanceTo(Ms(15_500));
        Assert.Equal(6, feed.FetchCount);

        subscription.Dispose();
        scheduler.AdvanceTo(Ms(30_000));
        Assert.Equal(6, feed.FetchCount);
    }

    [Fact]
    public void The_position_survives_resubscription_so_nothing_is_emitted_twice_or_skipped()
    {
        var (scheduler, log) = Start();
        var feed = Feed(log, scheduler, recent: 5);
        log.Write(new("old", 9_000));
        var first = new List<SseBatch>();
        var subscription = feed.Subscribe(first.Add);
        scheduler.AdvanceBy(Ms(1));
        subscription.Dispose();
        log.Write(new("during", 10_500));

        var second = new List<SseBatch>();
        using var again = feed.Subscribe(second.Add);
        scheduler.AdvanceTo(Ms(11_002));

        Assert.Equal(["0000000009000-old"], Ids(first));
        Assert.Equal(["0000000010500-during"], Ids(second));
    }

    [Fact]
    public void An_entry_readable_later_than_the_bound_is_reported_and_counted_but_never_sent_behind_the_position()
    {
        var (scheduler, log) = Start();
        var late = new List<(TestEntry Entry, SseEventId At)>();
        var feed = new SseFeed<TestEntry>(
            log,
            new SseFeedOptions<TestEntry>
            {
                ToEvent = TestEntry.ToEvent,
                Poll = new PollOptions { Interval = Interval },
                RecentEntries = 0,
                OnLateEntry = (entry, at) => late.Add((entry, at)),
            },
            scheduler);
        var subscriptions = new List<IDisposable>();
        var batches = Record(feed, subscriptions);
        scheduler.AdvanceBy(Ms(1));

        // On time, then 600 ms late (the bound is 100 ms): the poll at 11,000 passed it before it could be read.
        log.Write(new("on-time", 10_400));
        log.Write(new("late", 10_500), TimeSpan.FromMilliseconds(600));
        scheduler.AdvanceTo(Ms(13_001));

        Assert.Equal(["0000000010400-on-time"], Ids(batches));
        Assert.Equal("late", Assert.Single(late).Entry.Key);
        Assert.Equal(1, feed.LateEntries);
    }

    [Fact]
    public void Many_known_entries_behind_the_position_never_crowd_out_the_new_ones()
    {
        var (scheduler, log) = Start();
        var feed = Feed(log, scheduler, recent: 0, maxPerPoll: 3);
        var subscriptions = new List<IDisposable>();
        var batches = Record(feed, subscriptions);
        for (var ms = 10_010L; ms < 14_000; ms += 20)
        {
            scheduler.AdvanceTo(Ms(ms));
            log.Write(new($"e{ms}", ms));
        }

        scheduler.AdvanceTo(Ms(200_000));

        Assert.Equal(log.All().Select(e => e.Id.ToString()), Ids(batches));
        Assert.Equal(0, feed.LateEntries);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var (scheduler, log) = Start();
        Assert.Throws<ArgumentNullException>(() => new SseFeed<TestEntry>(null!, new SseFeedOptions<TestEntry> { ToEvent = TestEntry.ToEvent }, scheduler));
        Assert.Throws<ArgumentNullException>(() => new SseFeed<TestEntry>(log, null!, scheduler));
        Assert.Throws<ArgumentNullException>(() => new SseFeed<TestEntry>(log, new SseFeedOptions<TestEntry> { ToEvent = TestEntry.ToEvent }, null!));
        Assert.Equal("ToEvent", Assert.Throws<ArgumentNullException>(() => new SseFeed<TestEntry>(log, new SseFeedOptions<TestEntry>(), scheduler)).ParamName);
        Assert.Equal("MaxEntriesPerPoll", Assert.Throws<ArgumentOutOfRangeException>(
            () => new SseFeed<TestEntry>(log, new SseFeedOptions<TestEntry> { ToEvent = TestEntry.ToEvent, MaxEntriesPerPoll = 0 }, scheduler)).ParamName);
        Assert.Equal("RecentEntries", Assert.Throws<ArgumentOutOfRangeException>(
            () => new SseFeed<TestEntry>(log, new SseFeedOptions<TestEntry> { ToEvent = TestEntry.ToEvent, RecentEntries = -1 }, scheduler)).ParamName);
        Assert.Throws<ArgumentNullException>(() => Feed(log, scheduler).Subscribe(null!));
    }
}
