using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;
using SseRx.Tests.Testing;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Heartbeat;

public sealed class WithHeartbeatTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromTicks(100);

    /// <summary>A heartbeat names the last source value it was made from.</summary>
    private static string Beat(string? last) => "hb:" + (last ?? "-");

    [Fact]
    public void Periodic_by_default_beats_at_subscription_then_every_interval_however_busy_the_stream_is()
    {
        var scheduler = new TestScheduler();
        var values = Enumerable.Range(1, 59).Select(i => OnNext(200 + (i * 10), i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var xs = scheduler.CreateHotObservable(values.ToArray());

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, scheduler), 800);

        // Each heartbeat carries the last value before it: the value at the same tick was emitted first (it was
        // scheduled first), so the beat at 300 follows value 10.
        var beats = res.Messages.Where(m => m.Value.Value.StartsWith("hb:", StringComparison.Ordinal)).ToList();
        beats.AssertEqual(
            OnNext(200, "hb:-"), OnNext(300, "hb:10"), OnNext(400, "hb:20"), OnNext(500, "hb:30"), OnNext(600, "hb:40"), OnNext(700, "hb:50"));
        Assert.Equal(59 + 6, res.Messages.Count);
    }

    [Fact]
    public void Periodic_and_when_idle_differ_only_on_a_busy_stream()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(250, "a"));

        var periodic = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, scheduler, HeartbeatMode.Periodic), 420);
        var scheduler2 = new TestScheduler();
        var ys = scheduler2.CreateHotObservable(OnNext(250, "a"));
        var idle = scheduler2.Start(() => ys.WithHeartbeat(Interval, Beat, scheduler2, HeartbeatMode.WhenIdle), 420);

        periodic.Messages.AssertEqual(OnNext(200, "hb:-"), OnNext(250, "a"), OnNext(300, "hb:a"), OnNext(400, "hb:a"));
        idle.Messages.AssertEqual(OnNext(200, "hb:-"), OnNext(250, "a"), OnNext(350, "hb:a"));
    }

    [Fact]
    public void When_idle_beats_at_subscription_then_whenever_the_stream_has_been_silent_for_the_interval()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(150, "early"), OnNext(250, "a"), OnNext(260, "b"), OnNext(450, "c"), OnCompleted<string>(700));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, scheduler, HeartbeatMode.WhenIdle));

        res.Messages.AssertEqual(
            OnNext(200, "hb:-"),
            OnNext(250, "a"),
            OnNext(260, "b"),
            OnNext(360, "hb:b"),
            OnNext(450, "c"),
            OnNext(550, "hb:c"),
            OnNext(650, "hb:c"),
            OnCompleted<string>(700));
        xs.Subscriptions.AssertEqual(Subscribe(200, 700));
    }

    [Fact]
    public void When_idle_a_value_just_before_the_deadline_postpones_the_heartbeat_to_a_full_interval_after_it()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(299, "a"), OnNext(498, "b"));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, scheduler, HeartbeatMode.WhenIdle), 650);

        // The timer due at 300 finds only 1 tick of silence and re-arms for 399; likewise 499 becomes 598.
        res.Messages.AssertEqual(
            OnNext(200, "hb:-"), OnNext(299, "a"), OnNext(399, "hb:a"), OnNext(498, "b"), OnNext(598, "hb:b"));
    }

    [Fact]
    public void When_idle_a_heartbeat_also_counts_as_an_emission()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(350, "a"));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, scheduler, HeartbeatMode.WhenIdle), 500);

        // The heartbeat at 300 restarts the silence, so 350 is only 50 ticks into it.
        res.Messages.AssertEqual(OnNext(200, "hb:-"), OnNext(300, "hb:-"), OnNext(350, "a"), OnNext(450, "hb:a"));
    }

    [Fact]
    public void When_idle_thirty_seconds_of_silence_with_the_default_interval()
    {
        var scheduler = new TestScheduler();
        var s = TimeSpan.TicksPerSecond;
        var xs = scheduler.CreateHotObservable(OnNext(200 + (20 * s), "a"));

        var res = scheduler.Start(() => xs.WithHeartbeat(SseObservable.DefaultHeartbeatInterval, Beat, scheduler, HeartbeatMode.WhenIdle), 200 + (81 * s));

        Assert.Equal(TimeSpan.FromSeconds(30), SseObservable.DefaultHeartbeatInterval);
        res.Messages.AssertEqual(
            OnNext(200, "hb:-"), OnNext(200 + (20 * s), "a"), OnNext(200 + (50 * s), "hb:a"), OnNext(200 + (80 * s), "hb:a"));
    }

    [Fact]
    public void When_idle_a_busy_stream_gets_no_heartbeat_and_the_timer_is_not_rescheduled_per_value()
    {
        var scheduler = new TestScheduler();
        var counting = new CountingScheduler(scheduler);
        var values = Enumerable.Range(1, 79).Select(i => OnNext(200 + (i * 10), i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var xs = scheduler.CreateHotObservable(values.ToArray());

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, counting, HeartbeatMode.WhenIdle));

        Assert.Equal(80, res.Messages.Count);
        Assert.Equal(OnNext(200, "hb:-"), res.Messages[0]);
        Assert.DoesNotContain(res.Messages.Skip(1), m => m.Value.Value.StartsWith("hb:", StringComparison.Ordinal));

        // 79 values in 800 ticks: the one timer fires about once per interval, never once per value.
        Assert.InRange(counting.Scheduled, 1, 9);
    }

    [Fact]
    public void The_heartbeat_is_emitted_before_the_source_is_subscribed()
    {
        var scheduler = new TestScheduler();
        var subscribedAfterHeartbeat = false;
        var observer = scheduler.CreateObserver<string>();
        var source = Observable.Create<string>(o =>
        {
            subscribedAfterHeartbeat = observer.Messages.Count == 1;
            o.OnNext("replayed");
            return Disposable.Empty;
        });

        using var subscription = source.WithHeartbeat(Interval, Beat, scheduler).Subscribe(observer);

        Assert.True(subscribedAfterHeartbeat);
        observer.Messages.AssertEqual(OnNext(0, "hb:-"), OnNext(0, "replayed"));
    }

    [Fact]
    public void An_empty_source_completes_after_the_connect_heartbeat_and_stops_the_timer()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnCompleted<string>(250));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, scheduler));

        res.Messages.AssertEqual(OnNext(200, "hb:-"), OnCompleted<string>(250));
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void A_source_that_never_emits_gets_a_heartbeat_every_interval_until_disposed()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable<string>();

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, scheduler));

        res.Messages.AssertEqual(Enumerable.Range(2, 8).Select(i => OnNext(i * 100, "hb:-")).ToArray());
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void A_source_error_passes_through_and_stops_the_heartbeats()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("source failed");
        var xs = scheduler.CreateHotObservable(OnNext(210, "a"), OnError<string>(420, error));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, scheduler));

        res.Messages.AssertEqual(OnNext(200, "hb:-"), OnNext(210, "a"), OnNext(300, "hb:a"), OnNext(400, "hb:a"), OnError<string>(420, error));
        xs.Subscriptions.AssertEqual(Subscribe(200, 420));
    }

    [Fact]
    public void Disposal_cancels_the_timer_and_the_source_subscription()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, "a"), OnNext(600, "late"));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, Beat, scheduler), 350);

        res.Messages.AssertEqual(OnNext(200, "hb:-"), OnNext(210, "a"), OnNext(300, "hb:a"));
        xs.Subscriptions.AssertEqual(Subscribe(200, 350));
    }

    [Fact]
    public void A_factory_error_at_subscription_ends_with_OnError_and_never_subscribes_the_source()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("factory failed");
        var xs = scheduler.CreateHotObservable(OnNext(210, "a"));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, _ => throw error, scheduler));

        res.Messages.AssertEqual(OnError<string>(200, error));
        Assert.Empty(xs.Subscriptions);
    }

    [Fact]
    public void A_factory_error_on_the_timer_ends_with_OnError_and_disposes_the_source()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("factory failed");
        var xs = scheduler.CreateHotObservable(OnNext(210, "a"), OnNext(400, "b"));

        var res = scheduler.Start(() => xs.WithHeartbeat(Interval, last => last is null ? "hb:-" : throw error, scheduler));

        res.Messages.AssertEqual(OnNext(200, "hb:-"), OnNext(210, "a"), OnError<string>(300, error));
        xs.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void Passing_a_value_allocates_nothing()
    {
        var scheduler = new TestScheduler();
        var subject = new Subject<string>();
        var observer = new CountingObserver<string>();
        using var subscription = subject.WithHeartbeat(Interval, Beat, scheduler).Subscribe(observer);
        const string value = "value";
        subject.OnNext(value);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            subject.OnNext(value);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1002, observer.Count);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var scheduler = new TestScheduler();
        var xs = Observable.Never<string>();

        Assert.Throws<ArgumentNullException>("source", () => ((IObservable<string>)null!).WithHeartbeat(Interval, Beat, scheduler));
        Assert.Throws<ArgumentNullException>("heartbeat", () => xs.WithHeartbeat(Interval, null!, scheduler));
        Assert.Throws<ArgumentNullException>("scheduler", () => xs.WithHeartbeat(Interval, Beat, (IScheduler)null!));
        Assert.Throws<ArgumentOutOfRangeException>("interval", () => xs.WithHeartbeat(TimeSpan.Zero, Beat, scheduler));
        Assert.Throws<ArgumentOutOfRangeException>("interval", () => xs.WithHeartbeat(TimeSpan.FromSeconds(-1), Beat, scheduler));
        Assert.Throws<ArgumentOutOfRangeException>("interval", () => xs.WithHeartbeat(TimeSpan.Zero, Beat));
        Assert.Throws<ArgumentNullException>("observer", () => xs.WithHeartbeat(Interval, Beat, scheduler).Subscribe(null!));
        Assert.Throws<ArgumentOutOfRangeException>("mode", () => xs.WithHeartbeat(Interval, Beat, scheduler, (HeartbeatMode)7));
    }

    /// <summary>Forwards to another scheduler and counts the work scheduled through it.</summary>
    private sealed class CountingScheduler(IScheduler inner) : IScheduler
    {
        public int Scheduled { get; private set; }

        public DateTimeOffset Now => inner.Now;

        public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action)
        {
            Scheduled++;
            return inner.Schedule(state, action);
        }

        public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
        {
            Scheduled++;
            return inner.Schedule(state, dueTime, action);
        }

        public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action)
        {
            Scheduled++;
            return inner.Schedule(state, dueTime, action);
        }
    }
}

/// <summary>Counts values without allocating, for allocation tests.</summary>
internal sealed class CountingObserver<T> : IObserver<T>
{
    public int Count { get; private set; }

    public void OnNext(T value) => Count++;

    public void OnError(Exception error) => throw new InvalidOperationException("Unexpected error.", error);

    public void OnCompleted() => throw new InvalidOperationException("Unexpected completion.");
}
