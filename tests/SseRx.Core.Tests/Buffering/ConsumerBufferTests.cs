using System.Reactive.Disposables;
using System.Reactive.Linq;
using SseRx.Tests.Testing;
using static SseRx.Tests.Events.TestEvents;
using static SseRx.Tests.Testing.ReactiveTest;

namespace SseRx.Tests.Buffering;

public sealed class ConsumerBufferTests
{
    private static readonly SseEvent Item1 = Item(1, "i1");
    private static readonly SseEvent Item2 = Item(2, "i2");
    private static readonly SseEvent Item3 = Item(3, "i3");
    private static readonly SseEvent MetricsA = Metrics(10, total: 1);
    private static readonly SseEvent MetricsB = Metrics(20, total: 2);
    private static readonly SseEvent HeartbeatA = SseEvents.Heartbeat(SseEventId.Parse("0000000000011-a"), DateTimeOffset.UnixEpoch, 1);
    private static readonly SseEvent HeartbeatB = SseEvents.Heartbeat(SseEventId.Parse("0000000000021-b"), DateTimeOffset.UnixEpoch, 1);

    [Fact]
    public void Events_are_read_in_the_order_they_were_pushed()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        buffer.OnNext(Item1);
        buffer.OnNext(Item2);
        buffer.OnNext(Item3);

        Assert.Equal(3, buffer.Count);
        Assert.Equal([Item1, Item2, Item3], Drain(buffer));
        Assert.Equal(0, buffer.Count);
        Assert.False(buffer.TryRead(out var none));
        Assert.Null(none);
    }

    [Fact]
    public void A_newer_metrics_event_replaces_the_pending_one_at_the_tail()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        buffer.OnNext(Item1);
        buffer.OnNext(MetricsA);
        buffer.OnNext(Item2);
        buffer.OnNext(MetricsB);

        Assert.Equal(3, buffer.Count);
        Assert.Equal([Item1, Item2, MetricsB], Drain(buffer));
    }

    [Fact]
    public void Each_conflated_type_keeps_its_own_latest()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        buffer.OnNext(Item1);
        buffer.OnNext(HeartbeatA);
        buffer.OnNext(MetricsA);
        buffer.OnNext(HeartbeatB);

        Assert.Equal([Item1, MetricsA, HeartbeatB], Drain(buffer));
    }

    [Fact]
    public void A_metrics_event_already_read_is_not_replaced()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        buffer.OnNext(MetricsA);
        Assert.True(buffer.TryRead(out var first));
        buffer.OnNext(Item1);
        buffer.OnNext(MetricsB);

        Assert.Same(MetricsA, first);
        Assert.Equal([Item1, MetricsB], Drain(buffer));
    }

    [Fact]
    public void Without_state_conflation_only_the_configured_types_conflate()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions { ConflatedTypes = new HashSet<string>(), ConflateState = false });
        buffer.OnNext(MetricsA);
        buffer.OnNext(MetricsB);

        Assert.Equal([MetricsA, MetricsB], Drain(buffer));
    }

    [Fact]
    public void Each_state_key_keeps_only_its_latest_waiting_event_and_entries_are_never_conflated()
    {
        var priceA = SseEvent.Create("price", SseEventId.ForState(DateTimeOffset.FromUnixTimeMilliseconds(10), "price.A"), 1, TestEntryJson.Default.Int32);
        var priceB = SseEvent.Create("price", SseEventId.ForState(DateTimeOffset.FromUnixTimeMilliseconds(10), "price.B"), 1, TestEntryJson.Default.Int32);
        var priceA2 = SseEvent.Create("price", SseEventId.ForState(DateTimeOffset.FromUnixTimeMilliseconds(20), "price.A"), 2, TestEntryJson.Default.Int32);
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions { ConflatedTypes = new HashSet<string>() });
        buffer.OnNext(Item1);
        buffer.OnNext(priceA);
        buffer.OnNext(priceB);
        buffer.OnNext(Item2);
        buffer.OnNext(priceA2);

        Assert.Equal([Item1, priceB, Item2, priceA2], Drain(buffer));
    }

    [Fact]
    public void A_heartbeat_that_carries_a_state_id_as_its_cursor_is_not_replaced_by_that_state()
    {
        // A new client's connect heartbeat takes the journal's position as its id, which is a state event's id right
        // after a poll that changed the state; that state is then replayed to the client behind the heartbeat.
        var connect = SseEvents.Heartbeat(MetricsA.Id, DateTimeOffset.UnixEpoch, 1, reconnectionInterval: TimeSpan.FromSeconds(3));
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        buffer.OnNext(connect);
        buffer.OnNext(MetricsA);
        buffer.OnNext(MetricsB);

        Assert.Equal([connect, MetricsB], Drain(buffer));
    }

    [Fact]
    public void A_full_buffer_makes_room_for_a_conflated_event_by_dropping_the_one_it_replaces()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions { Capacity = 3 });
        buffer.OnNext(Item1);
        buffer.OnNext(MetricsA);
        buffer.OnNext(Item2);

        buffer.OnNext(MetricsB);

        Assert.Null(buffer.Error);
        Assert.Equal([Item1, Item2, MetricsB], Drain(buffer));
    }

    [Fact]
    public void Conflation_keeps_order_across_compactions_while_the_ring_wraps()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions { Capacity = 4 });
        var expected = new List<SseEvent>();
        var actual = new List<SseEvent>();
        for (var round = 0; round < 50; round++)
        {
            var item = Item(1_000 + round, $"r{round}");
            var metrics = Metrics(1_000 + round, total: round);
            buffer.OnNext(item);
            buffer.OnNext(Metrics(999, total: -1));
            buffer.OnNext(Item(2_000 + round, $"s{round}"));
            buffer.OnNext(metrics);
            buffer.OnNext(Item(3_000 + round, $"t{round}"));

            expected.AddRange([item, Item(2_000 + round, $"s{round}"), metrics, Item(3_000 + round, $"t{round}")]);
            actual.AddRange(Drain(buffer));
        }

        Assert.Null(buffer.Error);
        Assert.Equal(expected.Select(Describe), actual.Select(Describe));
    }

    [Fact]
    public void Overflow_ends_only_that_buffer_after_it_is_drained_and_unsubscribes_it()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(
            OnNext(210, Item1), OnNext(220, MetricsA), OnNext(230, Item2), OnNext(240, Item3));
        ConsumerBuffer? slow = null;
        ConsumerBuffer? fast = null;
        var fastReceived = new List<SseEvent>();
        scheduler.ScheduleAbsolute(default(object), 200, (_, _) =>
        {
            slow = xs.SubscribeBuffered(new ConsumerBufferOptions { Capacity = 2 });
            fast = xs.SubscribeBuffered(new ConsumerBufferOptions { Capacity = 2 });
            return Disposable.Empty;
        });
        for (var t = 211; t <= 241; t += 10)
        {
            scheduler.ScheduleAbsolute(default(object), t, (_, _) =>
            {
                fastReceived.AddRange(Drain(fast!));
                return Disposable.Empty;
            });
        }

        scheduler.AdvanceTo(300);

        var error = Assert.IsType<SlowConsumerException>(slow!.Error);
        Assert.Contains("fell behind", error.Message, StringComparison.Ordinal);
        Assert.Contains("2 events", error.Message, StringComparison.Ordinal);
        Assert.Equal([Item1, MetricsA], Drain(slow));
        Assert.False(CompletedResult(slow.WaitToReadAsync()));

        Assert.Null(fast!.Error);
        Assert.Equal([Item1, MetricsA, Item2, Item3], fastReceived);
        xs.Subscriptions.AssertEqual(Subscribe(200, 230), Subscribe(200));
        fast.Dispose();
    }

    [Fact]
    public void Overflow_during_subscribe_still_releases_the_subscription()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateColdObservable(OnNext(0, Item1), OnNext(0, Item2));
        var source = Observable.Create<SseEvent>(observer =>
        {
            // Emits synchronously inside Subscribe, before SubscribeBuffered has the subscription to dispose.
            observer.OnNext(Item1);
            observer.OnNext(Item2);
            return xs.Subscribe(observer);
        });

        using var buffer = source.SubscribeBuffered(new ConsumerBufferOptions { Capacity = 1 });

        Assert.IsType<SlowConsumerException>(buffer.Error);
        xs.Subscriptions.AssertEqual(Subscribe(0, 0));
    }

    [Fact]
    public async Task An_upstream_error_ends_the_buffer_after_it_is_drained()
    {
        var scheduler = new TestScheduler();
        var error = new InvalidOperationException("pipeline failed");
        var xs = scheduler.CreateHotObservable(OnNext(210, Item1), OnError<SseEvent>(220, error));
        using var buffer = xs.SubscribeBuffered(new ConsumerBufferOptions());
        scheduler.AdvanceTo(300);

        Assert.Same(error, buffer.Error);
        Assert.True(await buffer.WaitToReadAsync());
        Assert.Equal([Item1], Drain(buffer));
        Assert.False(await buffer.WaitToReadAsync());
        xs.Subscriptions.AssertEqual(Subscribe(0, 220));
    }

    [Fact]
    public async Task Completion_ends_the_buffer_cleanly_after_it_is_drained()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, Item1), OnNext(215, Item2), OnCompleted<SseEvent>(220));
        using var buffer = xs.SubscribeBuffered(new ConsumerBufferOptions());
        scheduler.AdvanceTo(300);

        Assert.True(await buffer.WaitToReadAsync());
        Assert.Equal([Item1, Item2], Drain(buffer));
        Assert.False(await buffer.WaitToReadAsync());
        Assert.Null(buffer.Error);
    }

    [Fact]
    public async Task A_pending_wait_completes_when_an_event_arrives()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());

        var wait = buffer.WaitToReadAsync();
        Assert.False(wait.IsCompleted);
        buffer.OnNext(Item1);

        Assert.True(await wait);
        Assert.True(buffer.TryRead(out var item));
        Assert.Same(Item1, item);
    }

    [Fact]
    public async Task A_pending_wait_completes_with_false_when_the_upstream_completes()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());

        var wait = buffer.WaitToReadAsync();
        buffer.OnCompleted();

        Assert.False(await wait);
    }

    [Fact]
    public async Task Cancelling_a_wait_cancels_only_that_wait()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        using var cancellation = new CancellationTokenSource();

        var wait = buffer.WaitToReadAsync(cancellation.Token);
        Assert.False(wait.IsCompleted);
        await cancellation.CancelAsync();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
        Assert.Equal(cancellation.Token, thrown.CancellationToken);

        // The buffer is unaffected: the next wait works, and the cancelled token's callback does not disturb it.
        var next = buffer.WaitToReadAsync();
        buffer.OnNext(Item1);
        Assert.True(await next);
    }

    [Fact]
    public async Task A_wait_with_an_already_cancelled_token_is_cancelled_even_with_events_waiting()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        buffer.OnNext(Item1);

        var wait = buffer.WaitToReadAsync(new CancellationToken(canceled: true));

        Assert.True(wait.IsCanceled);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await wait);
        Assert.Equal(1, buffer.Count);
    }

    [Fact]
    public void A_second_concurrent_wait_is_refused()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());

        _ = buffer.WaitToReadAsync();

        Assert.Throws<InvalidOperationException>(() => buffer.WaitToReadAsync());
    }

    [Fact]
    public async Task Dispose_unsubscribes_drops_what_is_buffered_and_ends_the_reader()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable(OnNext(210, Item1), OnNext(400, Item2));
        var buffer = xs.SubscribeBuffered(new ConsumerBufferOptions());
        scheduler.AdvanceTo(300);
        Assert.Equal(1, buffer.Count);

        buffer.Dispose();
        buffer.Dispose();
        scheduler.AdvanceTo(500);

        xs.Subscriptions.AssertEqual(Subscribe(0, 300));
        Assert.Equal(0, buffer.Count);
        Assert.False(buffer.TryRead(out _));
        Assert.False(await buffer.WaitToReadAsync());
        Assert.Null(buffer.Error);
    }

    [Fact]
    public async Task Dispose_completes_a_pending_wait_with_false()
    {
        var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        var wait = buffer.WaitToReadAsync();

        buffer.Dispose();

        Assert.False(await wait);
    }

    [Fact]
    public void A_never_ending_source_stays_subscribed_with_nothing_to_read()
    {
        var scheduler = new TestScheduler();
        var xs = scheduler.CreateHotObservable<SseEvent>();
        using var buffer = xs.SubscribeBuffered(new ConsumerBufferOptions());
        scheduler.AdvanceTo(1_000);

        Assert.False(buffer.WaitToReadAsync().IsCompleted);
        Assert.Null(buffer.Error);
        xs.Subscriptions.AssertEqual(Subscribe(0));
    }

    [Fact]
    public async Task Events_pushed_from_many_threads_are_each_read_once_in_per_thread_order()
    {
        const int producers = 4;
        const int perProducer = 5_000;
        var events = Enumerable.Range(0, producers)
            .Select(p => Enumerable.Range(0, perProducer).Select(i => Item(1_000 + i, $"p{p}-{i}")).ToArray())
            .ToArray();
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions { Capacity = producers * perProducer });
        using var start = new Barrier(producers);

        var pushing = events.Select(batch => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                foreach (var value in batch)
                {
                    buffer.OnNext(value);
                }
            },
            TaskCreationOptions.LongRunning)).ToArray();
        var completion = Task.WhenAll(pushing).ContinueWith(_ => buffer.OnCompleted(), TaskScheduler.Default);

        var read = new List<SseEvent>();
        while (await buffer.WaitToReadAsync())
        {
            while (buffer.TryRead(out var value))
            {
                read.Add(value);
            }
        }

        await completion;
        Assert.Equal(producers * perProducer, read.Count);
        for (var p = 0; p < producers; p++)
        {
            var prefix = $"p{p}-";
            Assert.Equal(events[p], read.Where(e => e.Id.Key.StartsWith(prefix, StringComparison.Ordinal)));
        }
    }

    [Fact]
    public void Pushing_reading_and_waiting_do_not_allocate_in_the_steady_state()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions { Capacity = 8 });
        using var cancellation = new CancellationTokenSource();
        RunSteadyState(buffer, cancellation.Token, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        RunSteadyState(buffer, cancellation.Token, 1_000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Arguments_are_checked()
    {
        var source = Observable.Never<SseEvent>();
        Assert.Throws<ArgumentNullException>("source", () => SseObservable.SubscribeBuffered(null!, new ConsumerBufferOptions()));
        Assert.Throws<ArgumentNullException>("options", () => source.SubscribeBuffered(null!));
        Assert.Throws<ArgumentNullException>("options", () => new ConsumerBuffer(null!));
        Assert.Throws<ArgumentOutOfRangeException>("Capacity", () => source.SubscribeBuffered(new ConsumerBufferOptions { Capacity = 0 }));
        Assert.Throws<ArgumentNullException>(
            "ConflatedTypes", () => new ConsumerBuffer(new ConsumerBufferOptions { ConflatedTypes = null! }));

        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions());
        Assert.Throws<ArgumentNullException>("value", () => buffer.OnNext(null!));
        Assert.Throws<ArgumentNullException>("error", () => buffer.OnError(null!));
    }

    [Fact]
    public void A_writer_that_is_not_blocked_on_its_client_may_fall_behind_up_to_the_maximum_capacity()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions { Capacity = 4, MaxCapacity = 10 });
        buffer.SetWriterBlocked(false);

        for (var i = 1; i <= 10; i++)
        {
            buffer.OnNext(Item(i, "i" + i));
        }

        Assert.Null(buffer.Error);
        Assert.Equal(10, buffer.Count);

        buffer.OnNext(Item(11, "i11"));

        var error = Assert.IsType<SlowConsumerException>(buffer.Error);
        Assert.Contains("server fell behind", error.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => "i" + i), Drain(buffer).Select(e => e.Id.Key));
    }

    [Fact]
    public void A_writer_blocked_on_its_client_is_held_to_the_capacity_even_with_a_larger_backlog()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions { Capacity = 4, MaxCapacity = 10 });
        buffer.SetWriterBlocked(false);
        for (var i = 1; i <= 6; i++)
        {
            buffer.OnNext(Item(i, "i" + i));
        }

        buffer.SetWriterBlocked(true);
        buffer.OnNext(MetricsA); // a conflated type still counts once it is pending

        var error = Assert.IsType<SlowConsumerException>(buffer.Error);
        Assert.Contains("client fell behind", error.Message, StringComparison.Ordinal);
        Assert.Equal(6, Drain(buffer).Count);
    }

    [Fact]
    public void A_writer_that_stops_being_blocked_gets_the_larger_limit_back()
    {
        using var buffer = new ConsumerBuffer(new ConsumerBufferOptions { Capacity = 2, MaxCapacity = 8 });
        buffer.SetWriterBlocked(true);
        buffer.OnNext(Item(1, "a"));
        buffer.OnNext(Item(2, "b"));
        buffer.SetWriterBlocked(false);

        buffer.OnNext(Item(3, "c"));

        Assert.Null(buffer.Error);
        Assert.Equal(["a", "b", "c"], Drain(buffer).Select(e => e.Id.Key));
    }

    [Fact]
    public void The_maximum_capacity_may_not_be_below_the_capacity()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            "MaxCapacity", () => new ConsumerBuffer(new ConsumerBufferOptions { Capacity = 10, MaxCapacity = 9 }));
    }

    [Fact]
    public void Buffers_share_one_copy_of_the_conflated_types_and_a_new_set_applies_to_later_buffers()
    {
        var options = new ConsumerBufferOptions { Capacity = 1 };
        var first = options.ConflatedTypeArray();
        Assert.Same(first, options.ConflatedTypeArray());
        Assert.Equal([SseEventTypes.Heartbeat], first);

        options.ConflatedTypes = new HashSet<string>(StringComparer.Ordinal);
        options.ConflateState = false;
        using var buffer = new ConsumerBuffer(options);
        buffer.OnNext(MetricsA);
        buffer.OnNext(MetricsB);

        Assert.IsType<SlowConsumerException>(buffer.Error);
    }

    [Fact]
    public void Options_are_copied_so_later_changes_have_no_effect()
    {
        var options = new ConsumerBufferOptions { Capacity = 1 };
        var conflated = new HashSet<string>(StringComparer.Ordinal) { MetricsType };
        options.ConflatedTypes = conflated;
        using var buffer = new ConsumerBuffer(options);
        options.Capacity = 10;
        conflated.Clear();

        buffer.OnNext(MetricsA);
        buffer.OnNext(MetricsB);

        Assert.Null(buffer.Error);
        Assert.Equal([MetricsB], Drain(buffer));
    }

    /// <summary>One wait that is already satisfied, one that waits and is woken, each with a cancellable token.</summary>
    private static void RunSteadyState(ConsumerBuffer buffer, CancellationToken token, int iterations)
    {
        for (var i = 0; i < iterations; i++)
        {
            buffer.OnNext(Item1);
            if (!CompletedResult(buffer.WaitToReadAsync(token)) || !buffer.TryRead(out _))
            {
                throw new InvalidOperationException("Expected an event.");
            }

            var wait = buffer.WaitToReadAsync(token);
            buffer.OnNext(Item2);
            if (!CompletedResult(wait) || !buffer.TryRead(out _))
            {
                throw new InvalidOperationException("Expected an event.");
            }
        }
    }

    /// <summary>The result of a wait that has already completed (asserted), without blocking.</summary>
    private static bool CompletedResult(ValueTask<bool> wait)
    {
        Assert.True(wait.IsCompletedSuccessfully);
#pragma warning disable xUnit1031, CA1849 // Completed (asserted above): this reads the result, it does not block.
        return wait.Result;
#pragma warning restore xUnit1031, CA1849
    }

    private static List<SseEvent> Drain(ConsumerBuffer buffer)
    {
        var items = new List<SseEvent>();
        while (buffer.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }
}
