using System.Reactive.Concurrency;
using System.Reactive.Subjects;
using SseRx.Tests.Testing;
using Xunit.Abstractions;

namespace SseRx.Tests.Stress;

/// <summary>
/// The per-connection path under real concurrency: a producer fans batches out through a journal while clients
/// connect, read, leave and resume, every stream's heartbeats and lifetimes are driven by a shared clock on its own
/// thread, and the journal is shut down while streams are open. A fixed number of batches and connections; no sleeps
/// (threads wait on each other's progress); the deadline only bounds a deadlock.
/// </summary>
/// <remarks>
/// Each client resumes from the last entry it received, every time its stream ends for any reason (it left, its
/// lifetime ended, its buffer overflowed), so across its connections it must see every entry exactly once, in order.
/// At the end no reader, clock slot or buffer may be left behind.
/// </remarks>
public sealed class StreamEngineStressTests(ITestOutputHelper output)
{
    private const int Batches = 3_000;
    private const int Clients = 6;
    private const int ConnectionsPerClient = 60;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Fan_out_connect_leave_heartbeats_rotation_and_shutdown_together_lose_nothing_and_leak_nothing()
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var scheduler = new SteppedScheduler(start);
        using var clock = new StreamClock(scheduler, TimeSpan.FromMilliseconds(50));
        var source = new Subject<SseBatch>();
        var journal = source.ToJournal(
            new JournalOptions { Capacity = Batches * 3, MaxAge = TimeSpan.FromDays(365), RecentEntries = 0 }, scheduler);
        var produced = new List<SseEventId>();
        var origin = SseEventId.AtTime(start);
        using var stop = new CancellationTokenSource();

        // Time moves only as the clients ask for it: each client, when it has read everything it was sent, lets the clock
        // take a step, and while every client is idle the clock keeps stepping. So time cannot outrun the readers
        // (which, on a starved machine, would end every stream at its lifetime before it had read anything), and an
        // idle client still gets its heartbeats and its lifetime's end.
        var pace = new Pace(Clients);
        var clients = Enumerable.Range(0, Clients).Select(i => new Client(i, journal, clock, scheduler, origin, pace)).ToArray();

        // One reader for the whole run keeps the journal subscribed to the (hot) source from the first batch on; the
        // clients come and go around it.
        var anchor = journal.ResumeFrom(null).Subscribe(_ => { });

        // The clock's thread: each step moves time on by 50 ms and runs what is due (heartbeats every 150 ms, lifetimes
        // of 1 s, the clock's own visits every 50 ms).
        var ticker = Task.Factory.StartNew(
            () =>
            {
                try
                {
                    while (true)
                    {
                        pace.Steps.Wait(stop.Token);
                        scheduler.Step(TimeSpan.FromMilliseconds(50));
                        pace.StepAgainIfAllIdle();
                    }
                }
                catch (OperationCanceledException)
                {
                    // The run is over.
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        var firstBatch = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var producer = Task.Factory.StartNew(
            () =>
            {
                SseEventId? after = origin;
                for (var b = 0; b < Batches; b++)
                {
                    // A batch every 10 ms of the clock's time, so heartbeats and lifetimes tick all through the fan-out.
                    var due = start.AddMilliseconds(10 * b);
                    if (!SpinWait.SpinUntil(() => scheduler.Now >= due, Deadline))
                    {
                        throw new TimeoutException($"The clock did not reach batch {b}'s time.");
                    }

                    var at = 1_700_000_000_000 + b;
                    var events = new List<SseEvent>();
                    for (var e = 0; e <= b % 3; e++)
                    {
                        var entry = new TestEntry($"e{b}.{e}", at);
                        events.Add(TestEntry.ToEvent(entry));
                    }

                    lock (produced)
                    {
                        produced.AddRange(events.Select(e => e.Id));
                    }

                    var through = events[^1].Id;
                    source.OnNext(new SseBatch(after, through, events));
                    after = through;
                    firstBatch.TrySetResult();
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        // Clients start once the journal has a record to resume in (before it, a cursor gets a resync: nothing vouches for it).
        await firstBatch.Task.WaitAsync(Deadline);
        var readers = clients.Select(c => Task.Run(() => c.RunAsync())).ToArray();

        // Every client reaches the last entry (it keeps reconnecting until then), then the journal shuts down under
        // the open streams.
        await producer.WaitAsync(Deadline);
        var last = produced[^1];
        await WithinDeadline(Task.WhenAll(clients.Select(c => c.Reached(last))), clients, "reaching the last entry");

        // And every client has had a stream end at its lifetime, so rotation ran alongside the rest.
        await WithinDeadline(Task.WhenAll(clients.Select(c => c.Rotated)), clients, "a stream ending at its lifetime");
        anchor.Dispose();
        journal.Dispose();
        await WithinDeadline(Task.WhenAll(readers), clients, "the shutdown ending every stream");
        await stop.CancelAsync();
        await ticker.WaitAsync(Deadline);

        output.WriteLine(
            $"{produced.Count} entries in {Batches} batches to {Clients} clients: {clients.Sum(c => c.Connections)} connections, " +
            $"{clients.Sum(c => c.Leaves)} left, {clients.Sum(c => c.Rotations)} ended at their lifetime, {clients.Sum(c => c.Overflows)} overflowed, " +
            $"{clients.Sum(c => c.Heartbeats)} heartbeats; virtual time {scheduler.Now - start}");
        foreach (var client in clients)
        {
            Assert.True(
                produced.SequenceEqual(client.Entries),
                $"client {client.Index}: received {client.Entries.Count} of {produced.Count} entries; first difference at " +
                $"{produced.Zip(client.Entries).TakeWhile(p => p.First == p.Second).Count()}");
            Assert.True(client.Connections >= 2, $"client {client.Index} connected {client.Connections} time(s)");
        }

        Assert.Equal(0, clients.Sum(c => c.Resyncs));
        Assert.True(clients.Sum(c => c.Heartbeats) > Clients, $"{clients.Sum(c => c.Heartbeats)} heartbeats: the clock did not drive the streams");
        Assert.True(clients.Sum(c => c.Rotations) > 0, "no stream reached its lifetime");
        Assert.True(clients.Sum(c => c.Leaves) > 0, "no client left on its own");
        Assert.True(clients.All(c => c.EndedByShutdown), "a client's last stream did not end with the shutdown");
        Assert.Equal(0, journal.ReaderCount);
        Assert.Equal(0, clock.Count);
    }

    private static async Task WithinDeadline(Task task, Client[] clients, string what)
    {
        try
        {
            await task.WaitAsync(Deadline);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"No progress towards {what} within {Deadline}: " + string.Join("; ", clients.Select(c => c.Describe())));
        }
    }

    /// <summary>One client: connects, reads some events, leaves or is ended, and resumes from its last entry.</summary>
    private sealed class Client(int index, EventJournal journal, StreamClock clock, IScheduler scheduler, SseEventId origin, Pace pace)
    {
        private readonly TaskCompletionSource _reachedLast = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _rotated = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Random _random = new(index);
        private readonly Lock _gate = new();
        private SseEventId? _target;
        private SseEventId? _lastEntry;

        public int Index => index;

        /// <summary>Completes when one of this client's streams has ended at its lifetime.</summary>
        public Task Rotated => _rotated.Task;

        public List<SseEventId> Entries { get; } = [];

        public int Connections { get; private set; }

        public int Heartbeats { get; private set; }

        public int Rotations { get; private set; }

        public int Leaves { get; private set; }

        public int Overflows { get; private set; }

        public bool EndedByShutdown { get; private set; }

        public int Resyncs { get; private set; }

        public volatile string State = "starting";

        public string Describe()
        {
            lock (_gate)
            {
                return $"client {index}: {State}, {Connections} connections, last entry {_lastEntry}";
            }
        }

        public Task Reached(SseEventId last)
        {
            lock (_gate)
            {
                _target = last;
            }

            CheckReached();
            return _reachedLast.Task;
        }

        /// <summary>Connects again and again until a stream ends because the journal has shut down.</summary>
        public async Task RunAsync()
        {
            while (true)
            {
                // The first connection starts where the journal's record starts; every later one from the last entry.
                var resumePoint = Entries.Count > 0 ? Entries[^1] : origin;
                var lastEventId = resumePoint.ToString();
                var completed = false;
                var stream = journal.ResumeFrom(lastEventId)
                    .WithHeartbeat(TimeSpan.FromMilliseconds(150), last => SseEvents.Heartbeat(last?.Id ?? resumePoint, scheduler.Now, 0), clock)
                    .WithMaxLifetime(TimeSpan.FromSeconds(1), clock);
                using var buffer = stream.SubscribeBuffered(new ConsumerBufferOptions { Capacity = 1024 });
                Connections++;

                // Leave on purpose after a random number of events for most connections; the rest run until their
                // lifetime, an overflow or the shutdown ends them.
                var leaveAfter = Connections <= ConnectionsPerClient ? _random.Next(1, 200) : int.MaxValue;
                var read = 0;
                while (read < leaveAfter)
                {
                    State = $"waiting (buffer holds {buffer.Count}, read {read} on this connection)";
                    pace.Idle();
                    var more = await buffer.WaitToReadAsync(CancellationToken.None);
                    pace.Busy();
                    State = "reading";
                    if (!more)
                    {
                        completed = true;
                        break;
                    }

                    while (read < leaveAfter && buffer.TryRead(out var value))
                    {
                        read++;
                        Take(value);
                    }
                }

                if (!completed)
                {
                    Leaves++;
                    continue;
                }

                if (buffer.Error is null && IsShutDown())
                {
                    EndedByShutdown = true;
                    pace.Idle();
                    return;
                }

                if (buffer.Error is null)
                {
                    Rotations++;
                    _rotated.TrySetResult();
                }
                else
                {
                    Overflows++;
                }
            }
        }

        private bool IsShutDown()
        {
            // A disposed journal completes a new reader at once: probe with a subscription that records completion.
            var ended = false;
            using (journal.ResumeFrom(null).Subscribe(_ => { }, () => ended = true))
            {
            }

            return ended;
        }

        private void Take(SseEvent value)
        {
            if (value.Type == SseEventTypes.Heartbeat)
            {
                Heartbeats++;
                return;
            }

            if (value.Type == SseEventTypes.Resync)
            {
                Resyncs++;
                return;
            }

            Entries.Add(value.Id);
            lock (_gate)
            {
                _lastEntry = value.Id;
            }

            CheckReached();
        }

        private void CheckReached()
        {
            lock (_gate)
            {
                if (_target is { } target && _lastEntry == target)
                {
                    _reachedLast.TrySetResult();
                }
            }
        }
    }

    /// <summary>Lets the clock step once per client that has run out of work, and on and on while all of them have.</summary>
    private sealed class Pace(int clients)
    {
        private int _idle;

        public SemaphoreSlim Steps { get; } = new(0);

        public void Idle()
        {
            Interlocked.Increment(ref _idle);
            Steps.Release();
        }

        public void Busy() => Interlocked.Decrement(ref _idle);

        public void StepAgainIfAllIdle()
        {
            if (Volatile.Read(ref _idle) >= clients && Steps.CurrentCount == 0)
            {
                Steps.Release();
            }
        }
    }

    /// <summary>
    /// A scheduler on a clock that only moves when <see cref="Step"/> is called, from any thread; due work runs on the
    /// stepping thread, outside the scheduler's lock, in due order.
    /// </summary>
    private sealed class SteppedScheduler(DateTimeOffset start) : IScheduler
    {
        private readonly Lock _gate = new();
        private readonly PriorityQueue<Item, (long, long)> _queue = new();
        private long _nowTicks = start.UtcTicks;
        private long _sequence;

        public DateTimeOffset Now => new(Interlocked.Read(ref _nowTicks), TimeSpan.Zero);

        public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action) =>
            Schedule(state, TimeSpan.Zero, action);

        public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action) =>
            Schedule(state, dueTime - Now, action);

        public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
        {
            var item = new Item(() => action(this, state));
            var due = Interlocked.Read(ref _nowTicks) + Math.Max(0, dueTime.Ticks);
            lock (_gate)
            {
                _queue.Enqueue(item, (due, _sequence++));
            }

            return item;
        }

        /// <summary>Moves the clock on by <paramref name="by"/> and runs everything due by then.</summary>
        public void Step(TimeSpan by)
        {
            var now = Interlocked.Add(ref _nowTicks, by.Ticks);
            while (true)
            {
                Item? next;
                lock (_gate)
                {
                    if (!_queue.TryPeek(out next, out var due) || due.Item1 > now)
                    {
                        return;
                    }

                    _queue.Dequeue();
                }

                next.Run();
            }
        }

        private sealed class Item(Action action) : IDisposable
        {
            private int _cancelled;

            public void Run()
            {
                if (Volatile.Read(ref _cancelled) == 0)
                {
                    action();
                }
            }

            public void Dispose() => Volatile.Write(ref _cancelled, 1);
        }
    }
}
