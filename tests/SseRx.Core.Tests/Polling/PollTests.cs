using System.Reactive.Linq;
using SseRx.Tests.Testing;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Polling;

public sealed class PollTests
{
    /// <summary>The first fetch: scheduled at subscription (200), it runs on the next virtual tick.</summary>
    private const long F = Subscribed + 1;

    private static long S(double seconds) => TimeSpan.FromSeconds(seconds).Ticks;

    // Exact delays, so the tests can state them; the jitter has tests of its own.
    private static PollOptions Options(double interval = 5, double initialBackoff = 1, double maxBackoff = 60) => new()
    {
        Interval = TimeSpan.FromSeconds(interval),
        InitialBackoff = TimeSpan.FromSeconds(initialBackoff),
        MaxBackoff = TimeSpan.FromSeconds(maxBackoff),
        BackoffJitter = false,
    };

    [Fact]
    public void With_jitter_each_failure_waits_a_random_part_of_its_backoff()
    {
        var scheduler = new TestScheduler();
        var fetch = new ScriptedFetch<int>(
            scheduler, FetchStep.Fail<int>(new TimeoutException()), FetchStep.Fail<int>(new TimeoutException()), FetchStep.Ok(1));
        var draws = new Queue<double>([0.5, 0.25]);
        var health = new PollHealth();
        var statuses = new List<PollStatus>();
        using var log = health.Subscribe(statuses.Add);
        var options = Options(initialBackoff: 4);
        options.BackoffJitter = true;
        options.NextRandom = draws.Dequeue;

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, options, health, scheduler), F + S(30));

        // Backoffs 4 s then 8 s, drawn down to half (2 s) and a quarter (2 s).
        fetch.Starts.Take(3).AssertEqual(F, F + S(2), F + S(4));
        Assert.Equal([TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2)], statuses.Where(s => s.State == PollState.Degraded).Select(s => s.NextAttemptIn));
        Assert.Equal(OnNext(F + S(4), 1), res.Messages[0]);
    }

    [Fact]
    public void Jitter_is_on_by_default_and_never_waits_longer_than_the_backoff()
    {
        var scheduler = new TestScheduler();
        var steps = Enumerable.Range(0, 20).Select(_ => FetchStep.Fail<int>(new TimeoutException())).ToArray();
        var fetch = new ScriptedFetch<int>(scheduler, steps);
        var options = new PollOptions { InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(8) };

        Assert.True(options.BackoffJitter);
        scheduler.Start(() => SseObservable.Poll(fetch.Fetch, options, null, scheduler), F + S(200));

        var gaps = fetch.Starts.Zip(fetch.Starts.Skip(1), (a, b) => TimeSpan.FromTicks(b - a)).ToList();
        var caps = Enumerable.Range(1, gaps.Count).Select(n => TimeSpan.FromSeconds(Math.Min(8, Math.Pow(2, n - 1)))).ToList();
        Assert.True(gaps.Count >= 10, $"only {gaps.Count + 1} attempts");
        Assert.All(gaps.Zip(caps), pair => Assert.InRange(pair.First, TimeSpan.Zero, pair.Second + TimeSpan.FromTicks(1)));
        Assert.True(gaps.Zip(caps).Any(pair => pair.First < pair.Second), "every delay was the full backoff: no jitter");
    }

    [Fact]
    public void Emits_each_result_and_fetches_again_one_interval_after_each_fetch_ends()
    {
        var scheduler = new TestScheduler();
        var fetch = new ScriptedFetch<int>(scheduler, i => FetchStep.Ok(i));

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, Options(), null, scheduler), F + S(12));

        res.Messages.AssertEqual(OnNext(F, 0), OnNext(F + S(5), 1), OnNext(F + S(10), 2));
        fetch.Starts.AssertEqual(F, F + S(5), F + S(10));
    }

    [Fact]
    public void Fetches_start_at_a_fixed_rate_and_a_slow_one_delays_the_next_without_overlap()
    {
        var scheduler = new TestScheduler();

        // Fetches of 1 s at a 5 s interval start every 5 s, not every 6 s. One that takes longer than the interval is
        // followed at once by the next (never alongside it), and the rate resumes from there.
        var fetch = new ScriptedFetch<string>(
            scheduler, FetchStep.Ok("a", S(1)), FetchStep.Ok("slow", S(12)), FetchStep.Ok("b", S(1)), FetchStep.Ok("c", S(1)));

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, Options(interval: 5), null, scheduler), F + S(24));

        // (TestScheduler runs work scheduled for "now" one tick later.)
        fetch.Starts.AssertEqual(F, F + S(5), F + S(17) + 1, F + S(22) + 1);
        res.Messages.AssertEqual(OnNext(F + S(1), "a"), OnNext(F + S(17), "slow"), OnNext(F + S(18) + 1, "b"), OnNext(F + S(23) + 1, "c"));
        Assert.Equal(1, fetch.MaxInFlight);
    }

    [Fact]
    public void A_fetch_that_never_completes_emits_nothing_and_no_second_fetch_starts()
    {
        var scheduler = new TestScheduler();
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Never<int>());

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, Options(), null, scheduler), F + S(600));

        res.Messages.AssertEqual();
        fetch.Starts.AssertEqual(F);
        Assert.True(fetch.Tokens[0].IsCancellationRequested);
    }

    [Fact]
    public void Disposed_before_the_first_fetch_runs_it_never_fetches()
    {
        var scheduler = new TestScheduler();
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Ok(1));

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, Options(), null, scheduler), Created, Subscribed, Subscribed);

        res.Messages.AssertEqual();
        Assert.Empty(fetch.Starts);
    }

    [Fact]
    public void Disposing_cancels_the_fetch_in_flight_and_ignores_its_late_result()
    {
        var scheduler = new TestScheduler();
        var health = new PollHealth();
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Ok(1), FetchStep.Ok(2, S(10)));
        long? cancelledAt = null;

        var res = scheduler.Start(
            () => SseObservable.Poll(
                ct =>
                {
                    var task = fetch.Fetch(ct);
                    ct.Register(() => cancelledAt ??= scheduler.Clock);
                    return task;
                },
                Options(),
                health,
                scheduler),
            F + S(7));

        // The second fetch starts at F+5s and would end at F+15s, long after disposal at F+7s.
        res.Messages.AssertEqual(OnNext(F, 1));
        fetch.Starts.AssertEqual(F, F + S(5));
        Assert.Equal(F + S(7), cancelledAt);
        Assert.All(fetch.Tokens, t => Assert.True(t.IsCancellationRequested));
        Assert.Equal(PollState.Healthy, health.Current.State);
        Assert.Equal(TestScheduler.Epoch.AddTicks(F), health.Current.LastSuccess);
    }

    [Fact]
    public void A_fetch_cancelled_by_disposal_is_not_reported_as_a_failure()
    {
        var scheduler = new TestScheduler();
        var health = new PollHealth();
        var transientCalls = 0;
        var options = Options();
        options.IsTransient = _ =>
        {
            transientCalls++;
            return true;
        };
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Never<int>());
        var statuses = scheduler.CreateObserver<PollStatus>();
        using var watch = health.Subscribe(statuses);

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, options, health, scheduler), F + S(3));

        res.Messages.AssertEqual();
        Assert.Equal(0, transientCalls);
        statuses.Messages.AssertEqual(OnNext(0, new PollStatus(PollState.Starting, 0, null, null, TimeSpan.Zero)));
        Assert.Equal(1, fetch.MaxInFlight);
    }

    [Fact]
    public void A_failed_fetch_never_ends_the_sequence_and_is_retried_after_the_initial_backoff()
    {
        var scheduler = new TestScheduler();
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Fail<int>(new TimeoutException()), FetchStep.Ok(1));

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, Options(interval: 5, initialBackoff: 1), null, scheduler), F + S(7));

        res.Messages.AssertEqual(OnNext(F + S(1), 1), OnNext(F + S(6), 1));
        fetch.Starts.AssertEqual(F, F + S(1), F + S(6));
    }

    [Fact]
    public void A_failure_after_a_slow_fetch_is_counted_from_when_it_ends()
    {
        var scheduler = new TestScheduler();
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Fail<int>(new TimeoutException(), S(3)), FetchStep.Ok(1));

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, Options(initialBackoff: 1), null, scheduler), F + S(5));

        res.Messages.AssertEqual(OnNext(F + S(4), 1));
        Assert.Equal(1, fetch.MaxInFlight);
    }

    [Fact]
    public void A_fetch_that_throws_synchronously_counts_as_a_failure()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("sync");
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Throw<int>(error), FetchStep.Ok(1));

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, Options(), null, scheduler), F + S(2));

        res.Messages.AssertEqual(OnNext(F + S(1), 1));
        fetch.Starts.AssertEqual(F, F + S(1));
    }

    [Fact]
    public void A_cancelled_task_or_a_null_task_counts_as_a_failure()
    {
        var scheduler = new TestScheduler();
        var health = new PollHealth();
        var errors = new List<Exception>();
        var calls = 0;
        var options = Options();
        options.IsTransient = ex =>
        {
            errors.Add(ex);
            return true;
        };

        var res = scheduler.Start(
            () => SseObservable.Poll(
                _ => calls++ switch
                {
                    0 => Task.FromCanceled<int>(new CancellationToken(canceled: true)),
                    1 => null!,
                    _ => Task.FromResult(7),
                },
                options,
                health,
                scheduler),
            F + S(4));

        // Backoff 1 s then 2 s: the third call, at F+3s, succeeds.
        res.Messages.AssertEqual(OnNext(F + S(3), 7));
        Assert.Collection(errors, e => Assert.IsType<TaskCanceledException>(e), e => Assert.IsType<InvalidOperationException>(e));
    }

    [Fact]
    public void Consecutive_failures_back_off_doubling_up_to_the_cap()
    {
        var scheduler = new TestScheduler();
        var health = new PollHealth();
        var statuses = scheduler.CreateObserver<PollStatus>();
        using var watch = health.Subscribe(statuses);
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Fail<int>(new TimeoutException()));

        var res = scheduler.Start(
            () => SseObservable.Poll(fetch.Fetch, Options(initialBackoff: 1, maxBackoff: 10), health, scheduler), F + S(50));

        res.Messages.AssertEqual();
        fetch.Starts.AssertEqual(F, F + S(1), F + S(3), F + S(7), F + S(15), F + S(25), F + S(35), F + S(45));
        statuses.Messages.Skip(1).Select(m => m.Value.Value.NextAttemptIn.TotalSeconds).AssertEqual(1, 2, 4, 8, 10, 10, 10, 10);
        statuses.Messages.Skip(1).Select(m => m.Value.Value.ConsecutiveFailures).AssertEqual(1, 2, 3, 4, 5, 6, 7, 8);
        Assert.All(statuses.Messages.Skip(1), m => Assert.Equal(PollState.Degraded, m.Value.Value.State));
    }

    [Fact]
    public void The_first_success_restores_the_interval_and_resets_the_backoff()
    {
        var scheduler = new TestScheduler();
        var error = new TimeoutException();
        var fetch = new ScriptedFetch<int>(
            scheduler,
            FetchStep.Fail<int>(error),
            FetchStep.Fail<int>(error),
            FetchStep.Ok(1),
            FetchStep.Fail<int>(error),
            FetchStep.Ok(2));

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, Options(interval: 5, initialBackoff: 1), null, scheduler), F + S(12));

        // Fail at F, F+1s (backoff 1 s, 2 s), succeed at F+3s, then after the interval fail again: backoff is 1 s, not 4 s.
        res.Messages.AssertEqual(OnNext(F + S(3), 1), OnNext(F + S(9), 2));
        fetch.Starts.AssertEqual(F, F + S(1), F + S(3), F + S(8), F + S(9));
    }

    [Fact]
    public void Health_goes_Starting_Healthy_Degraded_Healthy_with_last_success_from_the_scheduler()
    {
        var scheduler = new TestScheduler();
        var health = new PollHealth();
        var statuses = scheduler.CreateObserver<PollStatus>();
        using var watch = health.Subscribe(statuses);
        var error = new TimeoutException();
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Ok(1), FetchStep.Fail<int>(error), FetchStep.Ok(2));

        scheduler.Start(() => SseObservable.Poll(fetch.Fetch, Options(interval: 5, initialBackoff: 1), health, scheduler), F + S(7));

        var firstSuccess = TestScheduler.Epoch.AddTicks(F);
        statuses.Messages.AssertEqual(
            OnNext(0, new PollStatus(PollState.Starting, 0, null, null, TimeSpan.Zero)),
            OnNext(F, new PollStatus(PollState.Healthy, 0, null, firstSuccess, TimeSpan.FromSeconds(5))),
            OnNext(F + S(5), new PollStatus(PollState.Degraded, 1, error, firstSuccess, TimeSpan.FromSeconds(1))),
            OnNext(F + S(6), new PollStatus(PollState.Healthy, 0, null, TestScheduler.Epoch.AddTicks(F + S(6)), TimeSpan.FromSeconds(5))));
        Assert.Equal(statuses.Messages[^1].Value.Value, health.Current);
    }

    [Fact]
    public void A_permanent_failure_reports_Failed_and_waits_the_max_backoff()
    {
        var scheduler = new TestScheduler();
        var health = new PollHealth();
        var statuses = scheduler.CreateObserver<PollStatus>();
        using var watch = health.Subscribe(statuses);
        var permanent = new UnauthorizedAccessException("bad credentials");
        var transient = new TimeoutException();
        var options = Options(interval: 5, initialBackoff: 1, maxBackoff: 30);
        options.IsTransient = ex => ex is TimeoutException;
        var fetch = new ScriptedFetch<int>(
            scheduler, FetchStep.Fail<int>(transient), FetchStep.Fail<int>(permanent), FetchStep.Ok(1));

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, options, health, scheduler), F + S(32));

        res.Messages.AssertEqual(OnNext(F + S(31), 1));
        fetch.Starts.AssertEqual(F, F + S(1), F + S(31));
        statuses.Messages.AssertEqual(
            OnNext(0, new PollStatus(PollState.Starting, 0, null, null, TimeSpan.Zero)),
            OnNext(F, new PollStatus(PollState.Degraded, 1, transient, null, TimeSpan.FromSeconds(1))),
            OnNext(F + S(1), new PollStatus(PollState.Failed, 2, permanent, null, TimeSpan.FromSeconds(30))),
            OnNext(F + S(31), new PollStatus(PollState.Healthy, 0, null, TestScheduler.Epoch.AddTicks(F + S(31)), TimeSpan.FromSeconds(5))));
    }

    [Fact]
    public void An_exception_from_IsTransient_ends_the_sequence_with_OnError_and_stops_polling()
    {
        var scheduler = new TestScheduler();
        var classifierError = new InvalidOperationException("classifier broke");
        var options = Options();
        options.IsTransient = _ => throw classifierError;
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Fail<int>(new TimeoutException(), S(2)));

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, options, null, scheduler), F + S(600));

        res.Messages.AssertEqual(OnError<int>(F + S(2), classifierError));
        fetch.Starts.AssertEqual(F);
    }

    [Fact]
    public void Each_subscription_polls_on_its_own()
    {
        var scheduler = new TestScheduler();
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Ok(1));
        var poll = SseObservable.Poll(fetch.Fetch, Options(), null, scheduler);

        using var first = poll.Subscribe(scheduler.CreateObserver<int>());
        using var second = poll.Subscribe(scheduler.CreateObserver<int>());
        scheduler.AdvanceTo(1);

        Assert.Equal(2, fetch.Starts.Count);
        Assert.NotEqual(fetch.Tokens[0], fetch.Tokens[1]);
    }

    [Fact]
    public void Options_are_read_once_when_the_poll_is_created()
    {
        var scheduler = new TestScheduler();
        var fetch = new ScriptedFetch<int>(scheduler, FetchStep.Ok(1));
        var options = Options(interval: 5);

        var res = scheduler.Start(
            () =>
            {
                var poll = SseObservable.Poll(fetch.Fetch, options, null, scheduler);
                options.Interval = TimeSpan.FromSeconds(1);
                return poll;
            },
            F + S(6));

        fetch.Starts.AssertEqual(F, F + S(5));
    }

    [Fact]
    public void Arguments_are_checked_when_the_poll_is_created()
    {
        static Task<int> Fetch(CancellationToken _) => Task.FromResult(1);
        var scheduler = new TestScheduler();

        Assert.Throws<ArgumentNullException>("fetch", () => SseObservable.Poll<int>(null!, Options(), null, scheduler));
        Assert.Throws<ArgumentNullException>("options", () => SseObservable.Poll(Fetch, null!, null, scheduler));
        Assert.Throws<ArgumentNullException>("scheduler", () => SseObservable.Poll(Fetch, Options(), null, null!));
        Assert.Throws<ArgumentNullException>("fetch", () => SseObservable.Poll<int>(null!, Options()));
        Assert.Throws<ArgumentOutOfRangeException>("Interval", () => SseObservable.Poll(Fetch, new PollOptions { Interval = TimeSpan.Zero }, null, scheduler));
        Assert.Throws<ArgumentOutOfRangeException>(
            "InitialBackoff", () => SseObservable.Poll(Fetch, new PollOptions { InitialBackoff = TimeSpan.FromSeconds(-1) }, null, scheduler));
        Assert.Throws<ArgumentOutOfRangeException>(
            "MaxBackoff",
            () => SseObservable.Poll(Fetch, new PollOptions { InitialBackoff = TimeSpan.FromSeconds(2), MaxBackoff = TimeSpan.FromSeconds(1) }, null, scheduler));
        Assert.Throws<ArgumentNullException>("IsTransient", () => SseObservable.Poll(Fetch, new PollOptions { IsTransient = null! }, null, scheduler));
        Assert.Throws<ArgumentOutOfRangeException>("Interval", () => SseObservable.Poll(Fetch, new PollOptions { Interval = TimeSpan.Zero }));
    }

    [Fact]
    public void Subscribe_checks_its_observer()
    {
        var poll = SseObservable.Poll(_ => Task.FromResult(1), Options(), null, new TestScheduler());

        Assert.Throws<ArgumentNullException>("observer", () => poll.Subscribe(null!));
    }

    [Theory]
    [InlineData(1, 1, 60, 1)]
    [InlineData(2, 1, 60, 2)]
    [InlineData(6, 1, 60, 32)]
    [InlineData(7, 1, 60, 60)]
    [InlineData(64, 1, 60, 60)]
    [InlineData(int.MaxValue, 1, 60, 60)]
    [InlineData(3, 5, 5, 5)]
    public void Backoff_doubles_per_failure_up_to_the_cap_without_overflowing(int failures, double initial, double max, double expected)
    {
        var delay = PollObservable<int>.Backoff(failures, TimeSpan.FromSeconds(initial), TimeSpan.FromSeconds(max));

        Assert.Equal(TimeSpan.FromSeconds(expected), delay);
    }
}
