using SseRx.Tests.Polling;
using SseRx.Tests.Testing;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Sharing;

public sealed class DistinctSnapshotsTests
{
    /// <summary>A snapshot with value equality, as a store's aggregates would be.</summary>
    private sealed record Counts(int Total, int Positive);

    private static Counts Snapshot(int total) => new(total, total);

    [Fact]
    public void Emits_the_first_snapshot_and_then_only_snapshots_that_differ_from_the_previous_one()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(210, 1), OnNext(220, 1), OnNext(230, 2), OnNext(240, 2), OnNext(250, 1), OnCompleted<int>(300));

        var res = scheduler.Start(() => xs.DistinctSnapshots());

        res.Messages.AssertEqual(OnNext(210, 1), OnNext(230, 2), OnNext(250, 1), OnCompleted<int>(300));
        xs.Subscriptions.AssertEqual(Subscribe(200, 300));
    }

    [Fact]
    public void Snapshots_are_compared_by_value_not_by_reference()
    {
        var scheduler = new TestScheduler();
        var first = Snapshot(3);
        var sameValues = Snapshot(3);
        var changed = Snapshot(4);
        var xs = scheduler.CreateHotObservable(OnNext(210, first), OnNext(220, sameValues), OnNext(230, changed));

        var res = scheduler.Start(() => xs.DistinctSnapshots());

        res.Messages.AssertEqual(OnNext(210, first), OnNext(230, changed));
    }

    [Fact]
    public void The_given_comparer_decides_equality()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, "a"), OnNext(220, "A"), OnNext(230, "b"));

        var res = scheduler.Start(() => xs.DistinctSnapshots(StringComparer.OrdinalIgnoreCase));

        res.Messages.AssertEqual(OnNext(210, "a"), OnNext(230, "b"));
    }

    [Fact]
    public void A_failed_poll_between_equal_snapshots_emits_no_false_update()
    {
        var scheduler = new TestScheduler();
        var s = TimeSpan.TicksPerSecond;
        var before = Snapshot(3);
        var fetch = new ScriptedFetch<Counts>(
            scheduler,
            FetchStep.Ok(before),
            FetchStep.Fail<Counts>(new TimeoutException()),
            FetchStep.Ok(Snapshot(3)),
            FetchStep.Ok(Snapshot(4)));
        var options = new PollOptions { Interval = TimeSpan.FromSeconds(5), InitialBackoff = TimeSpan.FromSeconds(1), BackoffJitter = false };

        var res = scheduler.Start(() => SseObservable.Poll(fetch.Fetch, options, null, scheduler).DistinctSnapshots(), 200 + (20 * s));

        // Fetches at 0 s (3), 5 s (fails), 6 s (3 again: suppressed), 11 s (4).
        const long f = 201;
        fetch.Starts.AssertEqual(f, f + (5 * s), f + (6 * s), f + (11 * s), f + (16 * s));
        res.Messages.AssertEqual(OnNext(f, before), OnNext(f + (11 * s), Snapshot(4)));
    }

    [Fact]
    public void An_empty_source_completes()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnCompleted<int>(250));

        var res = scheduler.Start(() => xs.DistinctSnapshots());

        res.Messages.AssertEqual(OnCompleted<int>(250));
        xs.Subscriptions.AssertEqual(Subscribe(200, 250));
    }

    [Fact]
    public void A_source_that_never_emits_emits_nothing_and_stays_subscribed_until_disposal()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable<int>();

        var res = scheduler.Start(() => xs.DistinctSnapshots());

        res.Messages.AssertEqual();
        xs.Subscriptions.AssertEqual(Subscribe(200, 1000));
    }

    [Fact]
    public void An_error_passes_through()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("boom");
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnError<int>(260, error));

        var res = scheduler.Start(() => xs.DistinctSnapshots());

        res.Messages.AssertEqual(OnNext(210, 1), OnError<int>(260, error));
        xs.Subscriptions.AssertEqual(Subscribe(200, 260));
    }

    [Fact]
    public void Disposal_disposes_the_source()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, 1), OnNext(600, 2));

        var res = scheduler.Start(() => xs.DistinctSnapshots(), 500);

        res.Messages.AssertEqual(OnNext(210, 1));
        xs.Subscriptions.AssertEqual(Subscribe(200, 500));
    }

    [Fact]
    public void A_null_source_is_rejected()
    {
        Assert.Throws<ArgumentNullException>("source", () => ((IObservable<int>)null!).DistinctSnapshots());
    }
}
