using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SseRx;

/// <summary>The cold observable behind <see cref="SseObservable.Poll{T}(Func{CancellationToken, Task{T}}, PollOptions, PollHealth?, IScheduler)"/>.</summary>
/// <remarks>The options are copied here, so editing the <see cref="PollOptions"/> later does not affect it.</remarks>
internal sealed class PollObservable<T> : IObservable<T>
{
    private readonly Func<CancellationToken, Task<T>> _fetch;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _initialBackoff;
    private readonly TimeSpan _maxBackoff;
    private readonly Func<Exception, bool> _isTransient;
    private readonly Func<double>? _jitter;
    private readonly PollHealth? _health;
    private readonly IScheduler _scheduler;

    public PollObservable(Func<CancellationToken, Task<T>> fetch, PollOptions options, PollHealth? health, IScheduler scheduler)
    {
        _fetch = fetch;
        _interval = options.Interval;
        _initialBackoff = options.InitialBackoff;
        _maxBackoff = options.MaxBackoff;
        _isTransient = options.IsTransient;
        _jitter = options.BackoffJitter ? options.NextRandom : null;
        _health = health;
        _scheduler = scheduler;
    }

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        var run = new Run(this, observer);
        run.Start();
        return run;
    }

    /// <summary>
    /// The delay after the <paramref name="failures"/>-th consecutive transient failure:
    /// <paramref name="initial"/> doubled per earlier failure, capped at <paramref name="max"/>, without overflowing.
    /// </summary>
    internal static TimeSpan Backoff(int failures, TimeSpan initial, TimeSpan max)
    {
        var doublings = failures - 1;
        if (doublings <= 0)
        {
            return initial;
        }

        // initial * 2^doublings > max exactly when initial > floor(max / 2^doublings); no multiplication can overflow.
        if (doublings >= 62 || initial.Ticks > max.Ticks >> doublings)
        {
            return max;
        }

        return TimeSpan.FromTicks(initial.Ticks << doublings);
    }

    /// <summary>
    /// One subscription: a chain of fetches, each scheduled when the previous one has ended. After a success the next
    /// fetch starts one interval after this one started (fixed rate), or at once if this one took longer; fetches never
    /// overlap. After a failure it waits the backoff from the failure's end.
    /// </summary>
    private sealed class Run(PollObservable<T> parent, IObserver<T> observer) : IDisposable
    {
        // Cancelled on disposal, never disposed: a fetch may still hold its token, and a source without a timer
        // or wait handle has nothing to release.
        private readonly CancellationTokenSource _cancellation = new();
        private readonly Lock _gate = new();

        // All below guarded by _gate.
        private IDisposable? _pending;
        private bool _stopped;
        private int _failures;
        private DateTimeOffset? _lastSuccess;

        // When the fetch in flight started; only the one fetch in flight reads and writes it.
        private DateTimeOffset _fetchStarted;

        public void Start() => ScheduleNext(TimeSpan.Zero);

        public void Dispose()
        {
            IDisposable? pending;
            lock (_gate)
            {
                _stopped = true;
                pending = _pending;
                _pending = null;
            }

            pending?.Dispose();

            // A fetch that ends because of this (OperationCanceledException) or ends anyway later finds _stopped and is ignored.
            _cancellation.Cancel();
        }

        private IDisposable Fetch()
        {
            lock (_gate)
            {
                if (_stopped)
                {
                    return Disposable.Empty;
                }

                _pending = null;
            }

            _fetchStarted = parent._scheduler.Now;
            Task<T>? task;
            try
            {
                task = parent._fetch(_cancellation.Token);
            }
            catch (Exception ex)
            {
                OnFailure(ex);
                return Disposable.Empty;
            }

            if (task is null)
            {
                OnFailure(new InvalidOperationException("The poll's fetch function returned a null task."));
            }
            else if (task.IsCompleted)
            {
                OnFetched(task);
            }
            else
            {
                // ExecuteSynchronously: the result is handled on the thread that completes the fetch, with no extra hop.
                _ = task.ContinueWith(
                    static (t, state) => ((Run)state!).OnFetched(t),
                    this,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }

            return Disposable.Empty;
        }

        private void OnFetched(Task<T> task)
        {
            if (task.IsCompletedSuccessfully)
            {
                OnSuccess(task.Result);
            }
            else if (task.IsCanceled)
            {
                OnFailure(new TaskCanceledException(task));
            }
            else
            {
                var error = task.Exception!;
                OnFailure(error.InnerExceptions.Count == 1 ? error.InnerExceptions[0] : error);
            }
        }

        private void OnSuccess(T value)
        {
            DateTimeOffset lastSuccess;
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                _failures = 0;
                lastSuccess = parent._scheduler.Now;
                _lastSuccess = lastSuccess;
            }

            // Outside the lock: the observer and the health's observers are other components' code. Only one fetch of a
            // run is in flight at a time, so this never runs concurrently with itself; a Dispose meanwhile may let this
            // one result through, never a later one.
            observer.OnNext(value);

            // Healthy is reported once the result has been handed on, so "healthy since T" means its data is there.
            // Fixed rate: the next fetch is due one interval after this one started, so the time a fetch and its delivery
            // take does not add to the interval (an item written just after a poll waits one interval, not more).
            var next = parent._interval - (parent._scheduler.Now - _fetchStarted);
            if (next < TimeSpan.Zero)
            {
                next = TimeSpan.Zero;
            }

            parent._health?.Report(new PollStatus(PollState.Healthy, 0, null, lastSuccess, next));
            ScheduleNext(next);
        }

        private void OnFailure(Exception error)
        {
            lock (_gate)
            {
                // A fetch cancelled by disposal (or failing after it) is not a failure of the store.
                if (_stopped)
                {
                    return;
                }
            }

            bool transient;
            try
            {
                transient = parent._isTransient(error);
            }
            catch (Exception callbackError)
            {
                lock (_gate)
                {
                    if (_stopped)
                    {
                        return;
                    }

                    _stopped = true;
                }

                observer.OnError(callbackError);
                return;
            }

            PollStatus status;
            TimeSpan delay;
            lock (_gate)
            {
                if (_stopped)
                {
                    return;
                }

                if (_failures < int.MaxValue)
                {
                    _failures++;
                }

                delay = transient ? Backoff(_failures, parent._initialBackoff, parent._maxBackoff) : parent._maxBackoff;
                if (parent._jitter is { } jitter)
                {
                    // Full jitter: anywhere between now and the backoff.
                    delay = TimeSpan.FromTicks((long)(delay.Ticks * Math.Clamp(jitter(), 0d, 1d)));
                }

                status = new PollStatus(transient ? PollState.Degraded : PollState.Failed, _failures, error, _lastSuccess, delay);
            }

            parent._health?.Report(status);
            ScheduleNext(delay);
        }

        private void ScheduleNext(TimeSpan delay)
        {
            // The scheduler is called outside the lock; the observer may have disposed this run meanwhile, in which case
            // the new work is cancelled here.
            var pending = parent._scheduler.Schedule(this, delay, static (_, self) => self.Fetch());
            lock (_gate)
            {
                if (!_stopped)
                {
                    _pending = pending;
                    return;
                }
            }

            pending.Dispose();
        }
    }
}
