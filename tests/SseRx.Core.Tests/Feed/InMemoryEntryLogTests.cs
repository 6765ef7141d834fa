using System.Reactive.Concurrency;
using SseRx.Tests.Testing;
using static SseRx.Tests.Events.TestEvents;

namespace SseRx.Tests.Feed;

public sealed class InMemoryEntryLogTests
{
    private static readonly SseEventId Everything = SseEventId.Settled(DateTimeOffset.FromUnixTimeMilliseconds(9_999_999_999_999));

    private static InMemoryEntryLog<TestEntry> Log(IScheduler scheduler, InMemoryEntryLogOptions? options = null) =>
        new(scheduler, entry => entry.Id, options);

    private static TestScheduler ClockAt(long ms)
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(ms));
        return scheduler;
    }

    private static TestEntry Add(InMemoryEntryLog<TestEntry> log, string topic = "A") =>
        log.Add(position => new TestEntry(position.Key, position.UnixMilliseconds, topic));

    private static string[] Read(InMemoryEntryLog<TestEntry> log, EntryRange range) =>
        [.. log.ReadAsync(range, CancellationToken.None).Result.Select(e => e.Id.ToString())];

    private static SseEventId Id(string text) => SseEventId.Parse(text);

    /// <summary>A log with five entries, stamped at 10,000 to 10,004 ms, and all five as a read returns them.</summary>
    private static (InMemoryEntryLog<TestEntry> Log, string[] All) FiveEntriesOneMillisecondApart()
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler);
        for (var ms = 10_000; ms < 10_005; ms++)
        {
            scheduler.AdvanceTo(Ms(ms));
            Add(log);
        }

        return (log, Read(log, new EntryRange(SseEventId.Initial, Everything, int.MaxValue)));
    }

    [Fact]
    public void Adds_are_stamped_now_with_zero_padded_sequence_keys_that_sort_as_text_and_as_values()
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler);

        var first = Add(log);
        var inOneMillisecond = Enumerable.Range(0, 11).Select(_ => Add(log)).ToList();
        scheduler.AdvanceTo(Ms(10_007));
        var later = Add(log);

        Assert.Equal("0000000010000-0000000000000001", first.Id.ToString());
        Assert.Equal("0000000010000-0000000000000012", inOneMillisecond[^1].Id.ToString());
        Assert.Equal("0000000010007-0000000000000013", later.Id.ToString());
        string[] ids = [.. new[] { first }.Concat(inOneMillisecond).Append(later).Select(e => e.Id.ToString())];
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(ids.Select(Id).Order(), ids.Select(Id));
        Assert.Equal(13, log.Count);
    }

    [Fact]
    public void Times_never_go_back_when_the_clock_does()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeMilliseconds(10_000));
        var log = Log(clock);
        Add(log);

        clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(9_000);
        var stepped = Add(log);

        Assert.Equal("0000000010000-0000000000000002", stepped.Id.ToString());
    }

    [Fact]
    public void A_read_returns_its_range_after_exclusive_through_inclusive_oldest_first_up_to_its_maximum()
    {
        var (log, all) = FiveEntriesOneMillisecondApart();

        Assert.Equal(5, all.Length);

        // (second, fourth]: the second excluded, the fourth included.
        Assert.Equal(all[2..4], Read(log, new EntryRange(Id(all[1]), Id(all[3]), 10)));
        Assert.Equal(all[2..3], Read(log, new EntryRange(Id(all[1]), Id(all[3]), 1)));
        Assert.Equal(all[..2], Read(log, new EntryRange(SseEventId.Initial, SseEventId.Settled(Time(10_001)), 10)));
        Assert.Empty(Read(log, new EntryRange(Id(all[3]), Id(all[1]), 10)));
        Assert.Empty(Read(log, new EntryRange(SseEventId.Initial, Everything, 0)));
        Assert.Empty(Read(log, new EntryRange(Id(all[4]), Everything, 10)));
    }

    [Fact]
    public void A_newest_first_read_returns_the_newest_entries_of_its_range_newest_first()
    {
        var (log, all) = FiveEntriesOneMillisecondApart();

        Assert.Equal([all[3], all[2]], Read(log, new EntryRange(Id(all[0]), Id(all[3]), 2, NewestFirst: true)));
        Assert.Equal(all[1..].Reverse(), Read(log, new EntryRange(Id(all[0]), Everything, 10, NewestFirst: true)));
    }

    [Fact]
    public void Retention_drops_entries_once_their_timestamp_is_that_old_and_a_cursor_before_one_dropped_gets_a_resync()
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler, new InMemoryEntryLogOptions { Retention = TimeSpan.FromSeconds(10) });
        var created = SseEventId.AtTime(scheduler.Now);
        var old = Add(log);
        scheduler.AdvanceTo(Ms(15_000));
        var newer = Add(log);
        scheduler.AdvanceTo(Ms(19_999));

        Assert.Equal(2, log.Count);
        Assert.True(log.HoldsEverythingAfter(created));
        Assert.False(log.HoldsEverythingAfter(SseEventId.Settled(Time(9_999))), "A cursor before the log was created (a previous process's).");

        // At 20,000 ms the first entry is 10 s old.
        scheduler.AdvanceTo(Ms(20_000));
        Assert.Equal(1, log.Count);
        Assert.Equal([newer.Id.ToString()], Read(log, new EntryRange(SseEventId.Initial, Everything, 10)));
        Assert.False(log.HoldsEverythingAfter(created));
        Assert.True(log.HoldsEverythingAfter(old.Id));
        Assert.True(log.HoldsEverythingAfter(newer.Id));
    }

    [Fact]
    public void MaxEntries_drops_the_oldest_and_a_cursor_before_one_dropped_gets_a_resync()
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler, new InMemoryEntryLogOptions { MaxEntries = 3 });
        var created = SseEventId.AtTime(scheduler.Now);
        var entries = Enumerable.Range(0, 5).Select(_ => Add(log)).ToList();

        Assert.Equal(3, log.Count);
        Assert.Equal(entries[2..].Select(e => e.Id.ToString()), Read(log, new EntryRange(SseEventId.Initial, Everything, 10)));
        Assert.False(log.HoldsEverythingAfter(created));
        Assert.False(log.HoldsEverythingAfter(entries[0].Id));
        Assert.True(log.HoldsEverythingAfter(entries[1].Id), "Every entry after the newest one dropped is held.");
        Assert.True(log.HoldsEverythingAfter(entries[3].Id));
    }

    [Fact]
    public void An_add_is_never_stamped_at_or_before_what_a_read_covered_even_when_the_clock_steps_back()
    {
        var clock = new ManualClock(DateTimeOffset.FromUnixTimeMilliseconds(10_000));
        var log = Log(clock, new InMemoryEntryLogOptions { VisibilityDelay = TimeSpan.Zero });
        Add(log);

        // A reader reads through 12,000 ms at 12,500 ms, then the clock is stepped back to 11,000 ms.
        clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(12_500);
        var covered = SseEventId.Settled(Time(12_000));
        _ = Read(log, new EntryRange(SseEventId.Initial, covered, 10));
        clock.Now = DateTimeOffset.FromUnixTimeMilliseconds(11_000);

        var added = Add(log);

        Assert.Equal("0000000012001-0000000000000002", added.Id.ToString());
        Assert.DoesNotContain(added.Id.ToString(), Read(log, new EntryRange(SseEventId.Initial, covered, 10)));
    }

    [Fact]
    public void A_read_through_the_current_millisecond_moves_an_add_of_that_millisecond_to_the_next_but_never_further()
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler);

        // A read through far in the future at 10,000 ms covers 10,000 ms and no more.
        _ = Read(log, new EntryRange(SseEventId.Initial, Everything, 10));
        var sameMillisecond = Add(log);
        scheduler.AdvanceTo(Ms(10_050));
        var later = Add(log);

        Assert.Equal("0000000010001-0000000000000001", sameMillisecond.Id.ToString());
        Assert.Equal("0000000010050-0000000000000002", later.Id.ToString());
    }

    [Fact]
    public void A_feed_poll_covers_its_watermark_so_an_add_lands_after_it()
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler);
        var watermark = SseEventId.SettledAt(scheduler.Now, log.VisibilityDelay);
        var before = Add(log);

        _ = Read(log, new EntryRange(SseEventId.Initial, watermark, 10));
        var after = Add(log);

        Assert.True(before.Id > watermark && after.Id > watermark);
        Assert.Equal("0000000010000-0000000000000002", after.Id.ToString());
    }

    [Fact]
    public void An_add_with_your_key_uses_it_and_a_key_already_held_in_that_millisecond_moves_to_the_next()
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler);

        var first = log.Add("order-7", position => new TestEntry(position.Key, position.UnixMilliseconds));
        var again = log.Add("order-7", position => new TestEntry(position.Key, position.UnixMilliseconds));
        var earlierKey = log.Add("order-1", position => new TestEntry(position.Key, position.UnixMilliseconds));
        var sequenced = Add(log);

        Assert.Equal("0000000010000-order-7", first.Id.ToString());
        Assert.Equal("0000000010001-order-7", again.Id.ToString());
        Assert.Equal("0000000010001-order-1", earlierKey.Id.ToString());
        Assert.Equal("0000000010001-0000000000000001", sequenced.Id.ToString());
        Assert.Equal(
            ["0000000010000-order-7", "0000000010001-0000000000000001", "0000000010001-order-1", "0000000010001-order-7"],
            Read(log, new EntryRange(SseEventId.Initial, Everything, 10)));
    }

    [Fact]
    public void A_bad_key_or_a_factory_that_fails_or_gives_another_position_is_refused_and_stores_nothing()
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler);

        Assert.Equal("key", Assert.Throws<ArgumentException>(() => log.Add("~state", p => new TestEntry(p.Key, p.UnixMilliseconds))).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentException>(() => log.Add("", p => new TestEntry(p.Key, p.UnixMilliseconds))).ParamName);
        Assert.Equal("create", Assert.Throws<ArgumentException>(() => log.Add(p => new TestEntry("other", p.UnixMilliseconds))).ParamName);
        Assert.Equal("create", Assert.Throws<ArgumentException>(() => log.Add(_ => null!)).ParamName);
        Assert.Throws<InvalidOperationException>(() => log.Add(_ => throw new InvalidOperationException("factory failed")));

        Assert.Equal(0, log.Count);
        Assert.Equal("0000000010000-0000000000000001", Add(log).Id.ToString());
    }

    [Fact]
    public void The_factory_may_not_call_the_log()
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler);

        var nested = Assert.Throws<InvalidOperationException>(() => log.Add(p =>
        {
            Add(log);
            return new TestEntry(p.Key, p.UnixMilliseconds);
        }));
        Assert.Throws<InvalidOperationException>(() => log.Add(p =>
        {
            _ = log.ReadAsync(new EntryRange(SseEventId.Initial, Everything, 10), CancellationToken.None);
            return new TestEntry(p.Key, p.UnixMilliseconds);
        }));

        Assert.Contains("must not", nested.Message, StringComparison.Ordinal);
        Assert.Equal(0, log.Count);
    }

    [Fact]
    public void Arguments_and_options_are_checked()
    {
        var scheduler = ClockAt(10_000);
        Assert.Throws<ArgumentNullException>(() => new InMemoryEntryLog<TestEntry>(null!, e => e.Id));
        Assert.Throws<ArgumentNullException>(() => new InMemoryEntryLog<TestEntry>(scheduler, null!));
        Assert.Equal("VisibilityDelay", Assert.Throws<ArgumentOutOfRangeException>(
            () => Log(scheduler, new InMemoryEntryLogOptions { VisibilityDelay = TimeSpan.FromMilliseconds(-1) })).ParamName);
        Assert.Equal("Retention", Assert.Throws<ArgumentOutOfRangeException>(
            () => Log(scheduler, new InMemoryEntryLogOptions { Retention = TimeSpan.Zero })).ParamName);
        Assert.Equal("MaxEntries", Assert.Throws<ArgumentOutOfRangeException>(
            () => Log(scheduler, new InMemoryEntryLogOptions { MaxEntries = 0 })).ParamName);

        var log = Log(scheduler);
        Assert.Equal(TimeSpan.FromMilliseconds(50), log.VisibilityDelay);
        Assert.Throws<ArgumentNullException>(() => log.Add(null!));
        Assert.Throws<ArgumentNullException>(() => log.Add(null!, p => new TestEntry(p.Key, p.UnixMilliseconds)));
        Assert.Throws<ArgumentNullException>(() => log.PositionOf(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = log.ReadAsync(new EntryRange(SseEventId.Initial, Everything, -1), CancellationToken.None); });
        Assert.True(log.ReadAsync(new EntryRange(SseEventId.Initial, Everything, 10), new CancellationToken(canceled: true)).IsCanceled);
    }

    [Fact]
    public async Task Concurrent_adds_and_polls_on_real_threads_get_unique_ordered_positions_and_every_entry_is_read_exactly_once()
    {
        const int Writers = 4;
        const int AddsPerWriter = 5_000;
        var log = Log(Scheduler.Default, new InMemoryEntryLogOptions { VisibilityDelay = TimeSpan.Zero });
        using var start = new Barrier(Writers + 1);
        var added = new List<TestEntry>[Writers];
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                var mine = new List<TestEntry>(AddsPerWriter);
                for (var i = 0; i < AddsPerWriter; i++)
                {
                    mine.Add(Add(log, topic: $"w{w}"));
                }

                added[w] = mine;
            },
            TaskCreationOptions.LongRunning)).ToArray();

        // A poller on its own thread reads everything since its last read up to the current millisecond (further than a
        // feed reads, so that adds in that millisecond must be stamped after it), while the writers add.
        var polled = new List<TestEntry>();
        var polls = 0;
        var poller = Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                var after = SseEventId.Initial;
                while (!Task.WhenAll(writers).IsCompleted)
                {
                    var through = SseEventId.Settled(Scheduler.Default.Now);
                    if (through > after)
                    {
                        polled.AddRange(log.ReadAsync(new EntryRange(after, through, int.MaxValue), CancellationToken.None).Result);
                        after = through;
                        polls++;
                    }
                }

                polled.AddRange(log.ReadAsync(new EntryRange(after, Everything, int.MaxValue), CancellationToken.None).Result);
            },
            TaskCreationOptions.LongRunning);
        await poller.WaitAsync(TimeSpan.FromSeconds(60));
        await Task.WhenAll(writers);

        var all = await log.ReadAsync(new EntryRange(SseEventId.Initial, Everything, int.MaxValue), CancellationToken.None);
        Assert.Equal(Writers * AddsPerWriter, all.Count);
        Assert.Equal(all.Count, all.Select(e => e.Id).Distinct().Count());
        Assert.All(added, mine => Assert.Equal(mine.Select(e => e.Id).Order(), mine.Select(e => e.Id)));
        Assert.True(all.Zip(all.Skip(1)).All(pair => pair.First.Id < pair.Second.Id), "A read returns positions in order.");
        Assert.True(polls > 1, "The poller read while the writers added.");
        Assert.Equal(all.Select(e => e.Id), polled.Select(e => e.Id));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public async Task A_feed_over_the_log_delivers_every_entry_exactly_once_in_position_order(int visibilityDelayMs)
    {
        var scheduler = ClockAt(10_000);
        var log = Log(scheduler, new InMemoryEntryLogOptions { VisibilityDelay = TimeSpan.FromMilliseconds(visibilityDelayMs) });
        var feed = new SseFeed<TestEntry>(
            log,
            new SseFeedOptions<TestEntry> { ToEvent = TestEntry.ToEvent, Poll = new PollOptions { Interval = TimeSpan.FromMilliseconds(100) } },
            scheduler);
        var batches = new List<SseBatch>();
        using var subscription = feed.Subscribe(batches.Add);
        scheduler.AdvanceBy(Ms(1));

        // Adds at every offset from the polls, several in some milliseconds, for 5 s of virtual time.
        var random = new Random(11);
        for (var ms = 10_001L; ms < 15_000; ms += random.Next(0, 7))
        {
            scheduler.AdvanceTo(Math.Max(scheduler.Clock, Ms(ms)));
            Add(log);
        }

        scheduler.AdvanceTo(Ms(15_000 + visibilityDelayMs + 200));

        var added = await log.ReadAsync(new EntryRange(SseEventId.Initial, Everything, int.MaxValue), CancellationToken.None);
        var delivered = batches.SelectMany(b => b.Events).Select(e => e.Id).ToList();
        Assert.True(added.Count > 1_000, $"Only {added.Count} entries were added.");
        Assert.Equal(added.Select(e => e.Id), delivered);
        Assert.Equal(0, feed.LateEntries);
        Assert.Equal(0, feed.SkippedEntries);
    }

    private static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>A clock that a test sets, and steps back; the log only reads <see cref="Now"/>.</summary>
    private sealed class ManualClock(DateTimeOffset now) : IScheduler
    {
        public DateTimeOffset Now { get; set; } = now;

        public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action) => throw new NotSupportedException();

        public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action) =>
            throw new NotSupportedException();

        public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action) =>
            throw new NotSupportedException();
    }
}
