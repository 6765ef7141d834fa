namespace SseRx;

/// <summary>The state of a poller.</summary>
public enum PollState
{
    /// <summary>No fetch has completed yet.</summary>
    Starting,

    /// <summary>The last fetch succeeded.</summary>
    Healthy,

    /// <summary>The last fetch failed with a transient error; the poller is backing off.</summary>
    Degraded,

    /// <summary>The last fetch failed with a permanent error (see <see cref="PollOptions.IsTransient"/>).</summary>
    Failed,
}

/// <summary>A poller's health at one moment.</summary>
/// <param name="State">The state.</param>
/// <param name="ConsecutiveFailures">Failures since the last success.</param>
/// <param name="LastError">The most recent failure, or <see langword="null"/> once a fetch succeeds.</param>
/// <param name="LastSuccess">When the last fetch succeeded (scheduler time), if ever.</param>
/// <param name="NextAttemptIn">The delay before the next fetch.</param>
public sealed record PollStatus(
    PollState State,
    int ConsecutiveFailures,
    Exception? LastError,
    DateTimeOffset? LastSuccess,
    TimeSpan NextAttemptIn);

/// <summary>
/// The health signal of a poller: an observable of <see cref="PollStatus"/> that replays the current status
/// to each new subscriber and then reports every change.
/// </summary>
/// <remarks>
/// Thread-safe. Pass one instance to <c>Poll</c>; watch it from health checks and logs. A new instance is
/// <see cref="PollState.Starting"/> with no failures, no last success and a <see cref="TimeSpan.Zero"/> delay.
/// Notifications are delivered one at a time and in order, never under a lock: the thread that reports a change (the
/// poller's) delivers it, and a change reported meanwhile is delivered by that same thread, after it. A subscriber
/// gets the current status first, on its own thread, unless a delivery is running, which then sends it. Observers
/// should be quick and must not throw. A status equal to the current one is not reported again. The sequence never
/// completes. Disposing a subscription stops its notifications.
/// </remarks>
public sealed class PollHealth : IObservable<PollStatus>
{
    private static readonly PollStatus Initial = new(PollState.Starting, 0, null, null, TimeSpan.Zero);

    private readonly Lock _gate = new();
    private IObserver<PollStatus>[] _observers = [];
    private volatile PollStatus _current = Initial;

    // Under _gate: what is still to be delivered by the drain loop (a status for everyone, or one subscriber's replay).
    private readonly DrainQueue<(PollStatus Status, IObserver<PollStatus>? Only)> _pending;

    /// <summary>Creates a tracker in <see cref="PollState.Starting"/>.</summary>
    public PollHealth() => _pending = new(_gate);

    /// <summary>The current status; <see cref="PollState.Starting"/> until the poller reports.</summary>
    public PollStatus Current => _current;

    /// <summary>Sends the current status to <paramref name="observer"/>, then every change until disposed.</summary>
    /// <param name="observer">Receives the statuses.</param>
    /// <returns>Disposing it unsubscribes <paramref name="observer"/>; disposing twice is harmless.</returns>
    public IDisposable Subscribe(IObserver<PollStatus> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        bool deliver;
        lock (_gate)
        {
            // The replay is queued with the registration, so no report can overtake it.
            _observers = [.. _observers, observer];
            deliver = _pending.EnqueueAndClaim((_current, observer));
        }

        var subscription = new Subscription(this, observer);
        if (deliver)
        {
            Deliver();
        }

        return subscription;
    }

    /// <summary>Makes <paramref name="status"/> current and tells every observer, unless it equals the current one.</summary>
    internal void Report(PollStatus status)
    {
        lock (_gate)
        {
            if (status.Equals(_current))
            {
                return;
            }

            _current = status;
            if (!_pending.EnqueueAndClaim((status, null)))
            {
                return;
            }
        }

        Deliver();
    }

    /// <summary>The drain loop: delivers what is queued, in order, outside the lock.</summary>
    private void Deliver()
    {
        while (true)
        {
            (PollStatus Status, IObserver<PollStatus>? Only) next;
            IObserver<PollStatus>[] observers;
            lock (_gate)
            {
                if (!_pending.TryTakeOrRelease(out next))
                {
                    return;
                }

                observers = _observers;
            }

            if (next.Only is { } only)
            {
                // A replay, unless that subscriber has left meanwhile.
                if (Array.IndexOf(observers, only) >= 0)
                {
                    only.OnNext(next.Status);
                }

                continue;
            }

            // Copy-on-write array: an observer that unsubscribes from OnNext does not disturb this loop.
            foreach (var observer in observers)
            {
                observer.OnNext(next.Status);
            }
        }
    }

    private void Unsubscribe(IObserver<PollStatus> observer)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_observers, observer);
            if (index >= 0)
            {
                _observers = [.. _observers.AsSpan(0, index), .. _observers.AsSpan(index + 1)];
            }
        }
    }

    private sealed class Subscription(PollHealth owner, IObserver<PollStatus> observer) : IDisposable
    {
        private PollHealth? _owner = owner;

        public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Unsubscribe(observer);
    }
}
