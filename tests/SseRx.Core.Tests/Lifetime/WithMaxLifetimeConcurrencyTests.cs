using System.Reactive;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;
using System.Reactive.Subjects;

namespace SseRx.Tests.Lifetime;

/// <summary>
/// The lifetime ending on its timer's thread while another thread is delivering a value through <c>WithHeartbeat</c>
/// and <c>WithMaxLifetime</c> to an observer that has not returned yet. Two real threads, forced into the one
/// interleaving that matters; nothing here waits for time to pass, and the deadline only bounds a deadlock.
/// </summary>
public sealed class WithMaxLifetimeConcurrencyTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_lifetime_ending_during_a_delivery_leaves_the_end_to_the_delivering_thread_after_the_value()
    {
        var clock = new ManualScheduler();
        var timers = new ManualScheduler();
        var source = new Subject<int>();
        using var valueInObserver = new ManualResetEventSlim();
        using var expiryReturned = new ManualResetEventSlim();
        var received = new List<Notification<int>>();
        var completedOn = -1;
        var observer = Observer.Create<int>(
            value =>
            {
                lock (received)
                {
                    received.Add(Notification.CreateOnNext(value));
                }

                if (value == 1)
                {
                    // Hold the delivery in the observer until the timer thread has run the expiry and returned.
                    valueInObserver.Set();
                    Assert.True(expiryReturned.Wait(Deadline), "the expiry waited for the delivery: a lock is held across the observer call");
                }
            },
            () =>
            {
                completedOn = Environment.CurrentManagedThreadId;
                lock (received)
                {
                    received.Add(Notification.CreateOnCompleted<int>());
                }
            });
        using var subscription = source
            .WithHeartbeat(TimeSpan.FromHours(1), static _ => 0, clock)
            .WithMaxLifetime(TimeSpan.FromMinutes(1), timers)
            .Subscribe(observer);

        var deliveringThread = -1;
        var deliver = Task.Factory.StartNew(
            () =>
            {
                deliveringThread = Environment.CurrentManagedThreadId;
                source.OnNext(1);
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        Assert.True(valueInObserver.Wait(Deadline));
        var expire = Task.Factory.StartNew(
            () =>
            {
                timers.RunDue();
                expiryReturned.Set();
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);

        // A lock held across the observer call leaves both threads blocked and fails here with a TimeoutException.
        await Task.WhenAll(deliver, expire).WaitAsync(Deadline);
        Assert.Equal([Notification.CreateOnNext(0), Notification.CreateOnNext(1), Notification.CreateOnCompleted<int>()], received);
        Assert.Equal(deliveringThread, completedOn);
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
