using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using SseRx.Tests.Testing;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Clock;

/// <summary>
/// Heartbeats and lifetimes timed by one shared <see cref="StreamClock"/>: the same sequences as with a timer per
/// subscription, late by at most one resolution, with one timer however many subscriptions there are. Virtual time.
/// </summary>
public sealed class StreamClockTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromTicks(100);
    private static readonly TimeSpan Resolution = TimeSpan.FromTicks(10);

    private static string Beat(string? last) => "hb:" + (last ?? "-");

    [Fact]
    public void Periodic_heartbeats_come_every_interval_on_the_visits_however_busy_the_stream()
    {
        var scheduler = new TestScheduler();
        using var clock = new StreamClock(scheduler, Resolution);
        var xs = scheduler.CreateHotObservable(OnNext(255, "a"), OnNext(475, "b"), OnCompleted<string>(700));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, clock));

        // Subscribed at 200 (a visit: the clock starts at the first registration, so visits fall on 210, 220, ...):
        // due at 300, 400, ... and seen at exactly those visits.
        res.Messages.AssertEqual(
            OnNext(200, "hb:-"),
            OnNext(255, "a"),
            OnNext(300, "hb:a"),
            OnNext(400, "hb:a"),
            OnNext(475, "b"),
            OnNext(500, "hb:b"),
            OnNext(600, "hb:b"),
            OnCompleted<string>(700));
        xs.Subscriptions.AssertEqual(Subscribe(200, 700));
    }

    [Fact]
    public void When_idle_heartbeats_follow_the_silence_rounded_up_to_the_next_visit()
    {
        var scheduler = new TestScheduler();
        using var clock = new StreamClock(scheduler, Resolution);
        var xs = scheduler.CreateHotObservable(OnNext(255, "a"), OnNext(475, "b"), OnCompleted<string>(700));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, clock, HeartbeatMode.WhenIdle));

        // Visits at 210, 220, ...: silence since 255 reaches 100 at 355, seen at the visit at 360; the beat restarts
        // the silence (460); then since 475, seen at 580.
        res.Messages.AssertEqual(
            OnNext(200, "hb:-"),
            OnNext(255, "a"),
            OnNext(360, "hb:a"),
            OnNext(460, "hb:a"),
            OnNext(475, "b"),
            OnNext(580, "hb:b"),
            OnNext(680, "hb:b"),
            OnCompleted<string>(700));
        xs.Subscriptions.AssertEqual(Subscribe(200, 700));
    }

    [Fact]
    public void When_idle_a_busy_stream_gets_no_heartbeat()
    {
        var scheduler = new TestScheduler();
        using var clock = new StreamClock(scheduler, Resolution);
        var xs = scheduler.CreateHotObservable(Enumerable.Range(0, 40).Select(i => OnNext(210 + (i * 50), i.ToString())).ToArray());

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, clock, HeartbeatMode.WhenIdle), 2_200);

        Assert.Equal(["hb:-"], res.Messages.Where(m => m.Value.Value.StartsWith("hb:", StringComparison.Ordinal)).Select(m => m.Value.Value));
        Assert.Equal(41, res.Messages.Count);
    }

    [Fact]
    public void The_lifetime_ends_at_the_first_visit_on_or_after_the_deadline_and_disposes_the_source()
    {
        var scheduler = new TestScheduler();
        using var clock = new StreamClock(scheduler, TimeSpan.FromTicks(30));
        var xs = scheduler.CreateHotObservable(OnNext(250, 1), OnNext(399, 2), OnNext(420, 3));

        var res = scheduler.Start(() => xs.WithMaxLifetime(TimeSpan.FromTicks(195), clock));

        // Deadline 395; visits at 230, 260, ..., 380, 410: the end comes at 410, after the value at 399.
        res.Messages.AssertEqual(OnNext(250, 1), OnNext(399, 2), OnCompleted<int>(410));
        xs.Subscriptions.AssertEqual(Subscribe(200, 410));
    }

    [Fact]
    public void A_thousand_streams_share_one_timer_and_the_timer_stops_when_the_last_leaves()
    {
        var scheduler = new TestScheduler();
        var timers = new CountingScheduler(scheduler);
        using var clock = new StreamClock(timers, Resolution);
        var source = new Subject<int>();
        var beats = new int[1_000];
        var subscriptions = new CompositeDisposable();
        for (var i = 0; i < beats.Length; i++)
        {
            var index = i;
            subscriptions.Add(source
                .WithHeartbeat(Interval, _ => -1, clock)
                .WithMaxLifetime(TimeSpan.FromHours(1), clock)
                .Subscribe(v => beats[index] += v < 0 ? 1 : 0));
        }

        Assert.Equal(2_000, clock.Count);
        Assert.Equal(1, timers.Pending);

        scheduler.AdvanceBy(1_000);
        Assert.All(beats, b => Assert.Equal(11, b)); // at 0, then every 100 ticks up to 1,000
        Assert.Equal(1, timers.Pending);
        Assert.Equal(101, timers.Scheduled); // one per visit (100 so far, and the next), not one per stream

        subscriptions.Dispose();
        Assert.Equal(0, clock.Count);
        scheduler.AdvanceBy(Resolution.Ticks);
        Assert.Equal(0, timers.Pending);
    }

    [Fact]
    public void Slots_freed_by_leaving_streams_are_reused_and_the_others_keep_their_timing()
    {
        var scheduler = new TestScheduler();
        using var clock = new StreamClock(scheduler, Resolution);
        var source = new Subject<int>();
        var beats = new List<string>();
        var first = source.WithHeartbeat(Interval, _ => -1, clock).Subscribe(_ => beats.Add("first"));
        var second = source.WithHeartbeat(Interval, _ => -1, clock).Subscribe(_ => beats.Add("second"));
        scheduler.AdvanceTo(50);
        first.Dispose();
        var third = source.WithHeartbeat(Interval, _ => -1, clock).Subscribe(_ => beats.Add("third"));

        scheduler.AdvanceTo(160);

        Assert.Equal(["first", "second", "third", "second", "third"], beats);
        Assert.Equal(2, clock.Count);
        second.Dispose();
        third.Dispose();
    }

    [Fact]
    public void A_stream_that_leaves_from_inside_its_own_tick_gets_no_more_ticks_and_others_still_get_theirs()
    {
        var scheduler = new TestScheduler();
        using var clock = new StreamClock(scheduler, Resolution);
        var source = new Subject<int>();
        var leaving = new SingleAssignmentDisposable();
        var leavingBeats = 0;
        var stayingBeats = 0;
        leaving.Disposable = source.WithHeartbeat(Interval, _ => -1, clock).Subscribe(_ =>
        {
            if (++leavingBeats == 2)
            {
                leaving.Dispose();
            }
        });
        using var staying = source.WithHeartbeat(Interval, _ => -1, clock).Subscribe(_ => stayingBeats++);

        scheduler.AdvanceTo(500);

        Assert.Equal(2, leavingBeats);
        Assert.Equal(6, stayingBeats);
        Assert.Equal(1, clock.Count);
    }

    [Fact]
    public void An_observer_that_throws_on_a_tick_does_not_cost_other_streams_their_heartbeats()
    {
        var scheduler = new TestScheduler();
        using var clock = new StreamClock(scheduler, Resolution);
        var source = new Subject<int>();
        var throwingBeats = 0;
        var otherBeats = 0;
        using var throwing = source.WithHeartbeat(Interval, _ => -1, clock).Subscribe(_ =>
        {
            if (++throwingBeats == 2)
            {
                throw new InvalidOperationException("observer failed");
            }
        });
        using var other = source.WithHeartbeat(Interval, _ => -1, clock).Subscribe(_ => otherBeats++);

        var error = Assert.Throws<InvalidOperationException>(() => scheduler.AdvanceTo(100));
        Assert.Equal("observer failed", error.Message);
        Assert.Equal(2, otherBeats);

        scheduler.Stop(); // the exception left the virtual clock "running"
        scheduler.AdvanceTo(200);
        Assert.Equal(3, otherBeats);
    }

    [Fact]
    public void A_disposed_clock_stops_ticking_and_later_streams_get_only_their_connect_heartbeat()
    {
        var scheduler = new TestScheduler();
        var timers = new CountingScheduler(scheduler);
        var clock = new StreamClock(timers, Resolution);
        var source = new Subject<int>();
        var beats = 0;
        using var early = source.WithHeartbeat(Interval, _ => -1, clock).Subscribe(_ => beats++);
        clock.Dispose();
        using var late = source.WithHeartbeat(Interval, _ => -1, clock).WithMaxLifetime(TimeSpan.FromTicks(5), clock).Subscribe(_ => beats++);

        scheduler.AdvanceTo(1_000);

        Assert.Equal(2, beats);
        Assert.Equal(0, timers.Pending);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var scheduler = new TestScheduler();
        using var clock = new StreamClock(scheduler);
        Assert.Equal(StreamClock.DefaultResolution, clock.Resolution);
        Assert.Throws<ArgumentOutOfRangeException>(() => new StreamClock(scheduler, TimeSpan.Zero));
        Assert.Throws<ArgumentNullException>(() => new StreamClock(null!));
        Assert.Throws<ArgumentNullException>(() => Observable.Never<int>().WithHeartbeat(Interval, _ => 0, (StreamClock)null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => Observable.Never<int>().WithHeartbeat(TimeSpan.Zero, _ => 0, clock));
        Assert.Throws<ArgumentOutOfRangeException>(() => Observable.Never<int>().WithMaxLifetime(TimeSpan.Zero, clock));
    }

    /// <summary>Forwards to a scheduler and counts the work scheduled on it, and what is still pending.</summary>
    private sealed class CountingScheduler(IScheduler inner) : IScheduler
    {
        private int _pending;

        public int Scheduled { get; private set; }

        public int Pending => _pending;

        public DateTimeOffset Now => inner.Now;

        public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action) =>
            Count(cancel => inner.Schedule(state, (s, st) => Run(cancel, s, st, action)));

        public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action) =>
            Count(cancel => inner.Schedule(state, dueTime, (s, st) => Run(cancel, s, st, action)));

        public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action) =>
            Count(cancel => inner.Schedule(state, dueTime, (s, st) => Run(cancel, s, st, action)));

        private IDisposable Count(Func<BooleanDisposable, IDisposable> schedule)
        {
            Scheduled++;
            _pending++;
            var done = new BooleanDisposable();
            var work = schedule(done);
            return Disposable.Create(() =>
            {
                if (!done.IsDisposed)
                {
                    done.Dispose();
                    _pending--;
                }

                work.Dispose();
            });
        }

        private IDisposable Run<TState>(BooleanDisposable done, IScheduler self, TState state, Func<IScheduler, TState, IDisposable> action)
        {
            if (!done.IsDisposed)
            {
                done.Dispose();
                _pending--;
            }

            return action(this, state);
        }
    }
}
