using System.Runtime.ExceptionServices;

namespace SseRx.Host.Configurations;

/// <summary>
/// The watchers of one configuration in <see cref="InMemoryConfigurationStore"/>, with in-order delivery.
/// </summary>
/// <remarks>
/// Changes are queued while the store's lock is held, so the queue order is the order of the changes, and
/// delivered after the lock is released, so an observer never runs under the store's lock (it may call the store
/// back, and a slow one delays only the thread that delivers). Whichever thread finds the queue idle drains it;
/// others just enqueue. Each queued change carries the watchers present when it was made: a new watcher first
/// gets its own current value, then only the changes that came after it.
/// </remarks>
internal sealed class ConfigurationWatch
{
    private readonly Lock _gate;
    private readonly Queue<Pending> _pending = new();
    private Watcher[] _watchers = [];
    private bool _draining;

    /// <param name="gate">The store's lock, which guards every member except <see cref="Drain"/>.</param>
    public ConfigurationWatch(Lock gate) => _gate = gate;

    /// <summary>Whether no watcher is left. Call under the store's lock.</summary>
    public bool IsEmpty => _watchers.Length == 0;

    /// <summary>Adds a watcher and queues its current value for it alone. Call under the store's lock.</summary>
    public Watcher Add(IObserver<UserConfiguration?> observer, UserConfiguration current)
    {
        var watcher = new Watcher(observer);
        // Copy-on-write: queued changes keep the array they were made with, unchanged.
        _watchers = [.. _watchers, watcher];
        _pending.Enqueue(new Pending([watcher], current));
        return watcher;
    }

    /// <summary>Stops delivering to <paramref name="watcher"/>. Call under the store's lock.</summary>
    public void Remove(Watcher watcher)
    {
        watcher.Detach();
        var index = Array.IndexOf(_watchers, watcher);
        if (index >= 0)
        {
            _watchers = [.. _watchers.AsSpan(0, index), .. _watchers.AsSpan(index + 1)];
        }
    }

    /// <summary>
    /// Queues a change for every current watcher; <see langword="null"/> (deleted) also completes them and leaves
    /// the watch empty. Call under the store's lock.
    /// </summary>
    public void Enqueue(UserConfiguration? value)
    {
        if (_watchers.Length == 0)
        {
            return;
        }

        _pending.Enqueue(new Pending(_watchers, value));
        if (value is null)
        {
            _watchers = [];
        }
    }

    /// <summary>
    /// Whether the caller must call <see cref="Drain"/> after releasing the lock: there is something queued and no
    /// other thread is delivering it. Call under the store's lock.
    /// </summary>
    public bool TryBeginDrain()
    {
        if (_draining || _pending.Count == 0)
        {
            return false;
        }

        _draining = true;
        return true;
    }

    /// <summary>
    /// Delivers queued changes until none is left. Call without the store's lock, only after
    /// <see cref="TryBeginDrain"/> returned <see langword="true"/>.
    /// </summary>
    /// <remarks>
    /// An observer that throws does not stop delivery to the others; the first such exception is rethrown to the
    /// caller once the queue is empty (the change itself is already stored).
    /// </remarks>
    public void Drain()
    {
        ExceptionDispatchInfo? failure = null;
        while (true)
        {
            Pending next;
            lock (_gate)
            {
                if (!_pending.TryDequeue(out next))
                {
                    _draining = false;
                    break;
                }
            }

            foreach (var watcher in next.Targets)
            {
                try
                {
                    watcher.Deliver(next.Value);
                }
#pragma warning disable CA1031 // One faulty observer must not starve the others; its exception is rethrown below.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    watcher.Detach();
                    failure ??= ExceptionDispatchInfo.Capture(ex);
                }
            }
        }

        failure?.Throw();
    }

    private readonly record struct Pending(Watcher[] Targets, UserConfiguration? Value);

    /// <summary>One subscription to <see cref="InMemoryConfigurationStore.Watch"/>.</summary>
    internal sealed class Watcher(IObserver<UserConfiguration?> observer)
    {
        private volatile bool _detached;

        /// <summary>Stops any further delivery, including changes already queued.</summary>
        public void Detach() => _detached = true;

        /// <summary>Sends <paramref name="value"/>; <see langword="null"/> (deleted or missing) also completes.</summary>
        public void Deliver(UserConfiguration? value)
        {
            if (_detached)
            {
                return;
            }

            observer.OnNext(value);
            if (value is null)
            {
                _detached = true;
                observer.OnCompleted();
            }
        }
    }
}
