using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// An Rx <see cref="IScheduler"/> on a <see cref="TimeProvider"/>, so a host test can run the whole app (polls,
/// heartbeats, lifetimes) on a <c>FakeTimeProvider</c> and move time itself: <see cref="Now"/> is the provider's time,
/// a delayed action is one of its timers, an immediate one runs on the thread pool. It also tells which delayed actions
/// are waiting, by delay, so a test can advance time exactly when the action it expects is armed.
/// </summary>
public sealed class TimeProviderScheduler(TimeProvider time) : IScheduler
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _pending = [];

    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>How many actions scheduled with exactly <paramref name="delay"/> have neither run nor been cancelled.</summary>
    public int PendingWith(TimeSpan delay)
    {
        lock (_gate)
        {
            return _pending.Count(d => d == delay);
        }
    }

    public IDisposable Schedule<TState>(TState state, Func<IScheduler, TState, IDisposable> action) =>
        Schedule(state, TimeSpan.Zero, action);

    public IDisposable Schedule<TState>(TState state, DateTimeOffset dueTime, Func<IScheduler, TState, IDisposable> action) =>
        Schedule(state, dueTime - Now, action);

    public IDisposable Schedule<TState>(TState state, TimeSpan dueTime, Func<IScheduler, TState, IDisposable> action)
    {
        var result = new SingleAssignmentDisposable();
        var done = 0;
        if (dueTime <= TimeSpan.Zero)
        {
            ThreadPool.QueueUserWorkItem(_ =>
            {
                if (!result.IsDisposed)
                {
                    result.Disposable = action(this, state);
                }
            });
            return result;
        }

        lock (_gate)
        {
            _pending.Add(dueTime);
        }

        void Settle()
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                lock (_gate)
                {
                    _pending.Remove(dueTime);
                }
            }
        }

        var timer = time.CreateTimer(
            _ =>
            {
                Settle();
                if (!result.IsDisposed)
                {
                    result.Disposable = action(this, state);
                }
            },
            null,
            dueTime,
            Timeout.InfiniteTimeSpan);
        return new CompositeDisposable(timer, Disposable.Create(Settle), result);
    }
}
