using System.Collections.Concurrent;
using System.Reactive.Disposables;

namespace SseRx;

/// <summary>
/// The base of the per-connection operators that merge a source with signals from a timer or the shared clock
/// (heartbeats, a lifetime's end). It calls its observer from one thread at a time and never under a lock: a caller
/// that finds it idle makes its call itself; one that finds it busy leaves its work (a queued value, a signal bit) for
/// the busy thread, which does it before it leaves. This is the drain loop of Rx's <c>HalfSerializer</c> and of
/// Reactive Streams operators, with a fast path that queues nothing when there is no contention.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
/// <remarks>
/// <para>
/// The source obeys the observable grammar (one call at a time), so the only concurrency is between it, the signals,
/// and disposal. A value either goes straight to the observer (the emitter was idle) or into a queue that exists only
/// once there has been contention. A terminal signal from the source is read before the queue is drained, so every
/// value the source sent before it goes out first.
/// </para>
/// <para>
/// <see cref="OnSignals"/> runs in the drain, where a subclass may call <see cref="Emit"/> and <see cref="Complete"/>.
/// Once a terminal call has been made, or the subscription is disposed, or the observer has thrown, nothing more is
/// called. An exception from the observer propagates to whichever thread was draining.
/// </para>
/// </remarks>
internal abstract class SignalSerializer<T>(IObserver<T> observer) : IObserver<T>, IDisposable
{
    /// <summary>The source's terminal signal; subclasses use the lower bits.</summary>
    private const int SourceEnded = 1 << 30;

    private readonly SingleAssignmentDisposable _upstream = new();

    // Work in progress: how many calls have asked for a drain since the last drain ended. 0 means idle.
    private int _wip;

    // Pending signals (bits), taken by the drain.
    private int _signals;

    // Values that arrived while another thread was calling the observer; made on the first contention.
    private ConcurrentQueue<T>? _queue;

    // The source's error, written before SourceEnded is signalled.
    private Exception? _sourceError;

    // Nothing more is called once set: a terminal call was made, the subscription was disposed, or the observer threw.
    private volatile bool _done;

    private int _disposed;

    /// <summary>Whether the sequence has ended or been disposed.</summary>
    protected bool IsDone => _done;

    /// <inheritdoc />
    public void OnNext(T value)
    {
        if (_done)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _wip, 1, 0) == 0)
        {
            Forward(value);
            if (Interlocked.Decrement(ref _wip) == 0)
            {
                return;
            }
        }
        else
        {
            Queue().Enqueue(value);
            if (Interlocked.Increment(ref _wip) != 1)
            {
                return;
            }
        }

        Drain();
    }

    /// <inheritdoc />
    public void OnError(Exception error)
    {
        Volatile.Write(ref _sourceError, error);
        Signal(SourceEnded);
    }

    /// <inheritdoc />
    public void OnCompleted() => Signal(SourceEnded);

    /// <summary>Stops every call to the observer, releases the subclass's timers, and disposes the source subscription.</summary>
    public void Dispose()
    {
        _done = true;
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            OnDisposed();
        }

        _upstream.Dispose();
    }

    /// <summary>Subscribes to the source; call once, after any first emission.</summary>
    protected void SubscribeTo(IObservable<T> source) => _upstream.Disposable = source.Subscribe(this);

    /// <summary>Asks for <see cref="OnSignals"/> with <paramref name="signal"/> (a bit below 2^30), from any thread.</summary>
    protected void Signal(int signal)
    {
        if (_done)
        {
            return;
        }

        Interlocked.Or(ref _signals, signal);
        if (Interlocked.Increment(ref _wip) == 1)
        {
            Drain();
        }
    }

    /// <summary>Handles the signals raised since the last drain; runs in the drain, after the queued values.</summary>
    /// <param name="signals">The subclass's bits.</param>
    protected abstract void OnSignals(int signals);

    /// <summary>Called in the drain for each value of the source just before it is passed on.</summary>
    /// <param name="value">The value.</param>
    protected virtual void OnForwarding(T value)
    {
    }

    /// <summary>Releases timers and clock registrations; called once, on disposal or after the terminal call.</summary>
    protected abstract void OnDisposed();

    /// <summary>Calls the observer's <c>OnNext</c>; only from <see cref="OnSignals"/>.</summary>
    protected void Emit(T value)
    {
        if (!_done)
        {
            observer.OnNext(value);
        }
    }

    /// <summary>Makes the terminal call (<paramref name="error"/> null: completion), then disposes; only from the drain.</summary>
    protected void Complete(Exception? error)
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            if (error is null)
            {
                observer.OnCompleted();
            }
            else
            {
                observer.OnError(error);
            }
        }
        finally
        {
            Dispose();
        }
    }

    private ConcurrentQueue<T> Queue() =>
        Volatile.Read(ref _queue) ?? Interlocked.CompareExchange(ref _queue, new ConcurrentQueue<T>(), null) ?? _queue!;

    private void Forward(T value)
    {
        if (_done)
        {
            return;
        }

        try
        {
            OnForwarding(value);
            observer.OnNext(value);
        }
        catch
        {
            _done = true;
            throw;
        }
    }

    /// <summary>Runs until every call that asked for work has had it; the caller has just taken the work in progress.</summary>
    private void Drain()
    {
        var missed = 1;
        try
        {
            while (true)
            {
                // Signals first: a source end read here was raised after every value the source sent was queued.
                var signals = Interlocked.Exchange(ref _signals, 0);
                if (Volatile.Read(ref _queue) is { } queue)
                {
                    while (queue.TryDequeue(out var value))
                    {
                        Forward(value);
                    }
                }

                if ((signals & ~SourceEnded) != 0 && !_done)
                {
                    OnSignals(signals & ~SourceEnded);
                }

                if ((signals & SourceEnded) != 0)
                {
                    Complete(Volatile.Read(ref _sourceError));
                }

                missed = Interlocked.Add(ref _wip, -missed);
                if (missed == 0)
                {
                    return;
                }
            }
        }
        catch
        {
            // The observer threw: stop calling it. The work count stays up, so no other thread drains again.
            _done = true;
            throw;
        }
    }
}
