using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Subjects;

namespace SseRx.Tests.Lifetime;

/// <summary>
/// The lifetime ending on its timer's thread while another thread delivers a value through <c>WithHeartbeat</c>, which
/// holds its lock while it forwards a value and takes it again when it is disposed. Two real threads, forced into the
/// one interleaving that matters; nothing here waits for time to pass, and the deadline only bounds a deadlock.
/// </summary>
public sealed class WithMaxLifetimeConcurrencyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_lifetime_ending_while_a_value_is_delivered_through_the_heartbeat_neither_deadlocks_nor_lets_the_value_follow_the_end()
    {
        var clock = new ManualScheduler();
        var timers = new ManualScheduler();
        var source = new Subject<int>();
        using var valueHoldsHeartbeatLock = new ManualResetEventSlim();
        using var endStarted = new ManualResetEventSlim();
        var received = new List<Notification<int>>();
        var observer = Observer.Create<int>(
            value =>
            {
                lock (received)
                {
                    received.Add(Notification.CreateOnNext(value));
                }
            },
            () =>
            {
                endStarted.Set();
                valueHoldsHeartbeatLock.Wait(Deadline);
                lock (received)
                {
                    received.Add(Notification.CreateOnCompleted<int>());
                }
            });
        using var subscription = source
            .WithHeartbeat(TimeSpan.FromHours(1), static _ => 0, clock)
            .WithMaxLifetime(TimeSpan.FromMinutes(1), timers)
            .Subscribe(observer);

        // The heartbeat reads its clock under its lock, just before it forwards a value: hold the value there until
        // the lifetime's end has begun on the other thread.
        clock.OnNow = () =>
        {
            valueHoldsHeartbeatLock.Set();
            endStarted.Wait(Deadline);
            return DateTimeOffset.UnixEpoch;
        };
        var deliver = Task.Factory.StartNew(() => source.OnNext(1), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Assert.True(valueHoldsHeartbeatLock.Wait(Deadline));
        var expire = Task.Factory.StartNew(timers.RunDue, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        // A deadlock leaves both threads blocked and fails here with a TimeoutException.
        await Task.WhenAll(deliver, expire).WaitAsync(Deadline);
        Assert.Equal([Notification.CreateOnNext(0), Notification.CreateOnCompleted<int>()], received);
    }

    /// <summary>A scheduler whose clock a test can hook and whose actions run only when the test says so.</summary>
    private sealed class ManualScheduler : IScheduler
    {
        private readonly List<Action> _due = [];

        public Func<DateTimeOffset>? OnNow { get; set; }

        public DateTimeOffset Now => OnNow?.Invoke() ?? DateTimeOffset.UnixEpoch;

        public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action) =>
            Schedule(state, TimeSpan.Zero, action);

        public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action) =>
            Schedule(state, TimeSpan.Zero, action);

        public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
        {
            lock (_due)
            {
                _due.Add(() => action(this, state));
            }

            return Disposable.Empty;
        }

        public void RunDue()
        {
            Action[] due;
            lock (_due)
            {
                due = [.. _due];
                _due.Clear();
            }

            foreach (var action in due)
            {
                action();
            }
        }
    }
}
