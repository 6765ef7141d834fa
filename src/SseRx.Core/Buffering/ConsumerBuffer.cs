using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Reactive.Disposables;
using System.Threading.Tasks.Sources;

namespace SseRx;

/// <summary>Options for <see cref="ConsumerBuffer"/>.</summary>
public sealed class ConsumerBufferOptions
{
    /// <summary>
    /// The most events waiting for a client that is not reading before it is dropped. Default 1,024: about 2.5 s of a
    /// stream at 400 events/s, so a client that keeps reading is not dropped for a moment's lag (the ring holds
    /// references to shared events and grows only as a backlog builds). A writer that reports with
    /// <see cref="ConsumerBuffer.SetWriterBlocked"/> is held to this only while it is blocked on the client.
    /// </summary>
    public int Capacity { get; set; } = 1024;

    /// <summary>
    /// The most events waiting in any case: the memory bound when the server, not the client, falls behind (its writer
    /// is runnable but has not had the CPU to write). Applies only to writers that report with
    /// <see cref="ConsumerBuffer.SetWriterBlocked"/>; at least <see cref="Capacity"/>. Default (<see langword="null"/>):
    /// 4 times <see cref="Capacity"/>, 4,096 at the default capacity (32 KiB of event references on 64-bit, allocated
    /// only as a backlog builds up).
    /// </summary>
    public int? MaxCapacity { get; set; }

    /// <summary>The <see cref="MaxCapacity"/> in effect.</summary>
    internal int EffectiveMaxCapacity => MaxCapacity ?? (int)Math.Min(int.MaxValue, Capacity * 4L);

    /// <summary>
    /// Event types of which only the latest pending one is kept (it moves to the tail, so ids stay in order).
    /// Compared ordinally. Default: <c>heartbeat</c> (add your own state types, such as a metrics snapshot).
    /// </summary>
    /// <remarks>
    /// Read when a buffer is created, and copied once per set: every buffer created from these options with the same
    /// set shares that copy. To change the policy, assign a new set rather than editing this one in place.
    /// </remarks>
    public IReadOnlySet<string> ConflatedTypes { get; set; } =
        new HashSet<string>(StringComparer.Ordinal) { SseEventTypes.Heartbeat };

    /// <summary>
    /// Whether a state event (see <see cref="SseEventId.StateKey"/>) replaces the waiting event of the same state key,
    /// moving to the tail so ids stay in order: only the latest value of a state matters to a client that is behind.
    /// Default <see langword="true"/>. Entries are never conflated.
    /// </summary>
    public bool ConflateState { get; set; } = true;

    // The last set copied, and its copy (an array: with a handful of types a scan beats hashing).
    private ConflatedCopy? _conflatedCopy;

    /// <summary>Throws when a value is out of range. Called by the buffer when it is created.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The capacity is less than 1, or the maximum is less than the capacity.</exception>
    /// <exception cref="ArgumentNullException">The conflated types are <see langword="null"/>.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Capacity, 1, nameof(Capacity));
        if (MaxCapacity is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, Capacity, nameof(MaxCapacity));
        }
        ArgumentNullException.ThrowIfNull(ConflatedTypes, nameof(ConflatedTypes));
    }

    /// <summary>The conflated types as a distinct array, shared by every buffer made from the same set.</summary>
    internal string[] ConflatedTypeArray()
    {
        var set = ConflatedTypes;
        var copy = Volatile.Read(ref _conflatedCopy);
        if (copy is null || !ReferenceEquals(copy.Source, set))
        {
            copy = new ConflatedCopy(set, [.. set.Distinct(StringComparer.Ordinal)]);
            Volatile.Write(ref _conflatedCopy, copy);
        }

        return copy.Types;
    }

    private sealed record ConflatedCopy(IReadOnlySet<string> Source, string[] Types);
}

/// <summary>
/// The client fell further behind than <see cref="ConsumerBufferOptions.Capacity"/> (or, while the server was the one
/// behind, <see cref="ConsumerBufferOptions.MaxCapacity"/>) allows and was dropped.
/// </summary>
public sealed class SlowConsumerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SlowConsumerException()
        : base("The client fell behind and its buffer is full.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SlowConsumerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public SlowConsumerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The bridge from one connection's pipeline (push) to its writer (pull): a bounded buffer that applies the
/// slow-consumer policy.
/// </summary>
/// <remarks>
/// <para>
/// The pipeline pushes through <see cref="IObserver{T}"/>; pushing never blocks and never allocates (the buffer is
/// a ring of event references, allocated once). Conflated types, and each state key, keep only their latest pending event: the older
/// one is dropped and the new one is added at the tail, so ids stay in delivery order. When the buffer is full of
/// other events, the buffer faults with a <see cref="SlowConsumerException"/> and unsubscribes: that client ends,
/// every other client is unaffected. The reader still drains what was buffered before it sees the end.
/// </para>
/// <para>
/// One reader (the connection's writer) calls <see cref="WaitToReadAsync"/> and <see cref="TryRead"/>; waiting
/// reuses one <see cref="IValueTaskSource{TResult}"/>, so it does not allocate, and the reader's continuation
/// never runs on the pushing thread. Any number of threads may push. Disposing unsubscribes from the pipeline,
/// drops what is buffered and ends the reader.
/// </para>
/// </remarks>
public sealed class ConsumerBuffer : IObserver<SseEvent>, IDisposable
{
    private const int InitialSlots = 8;

    private readonly Lock _gate = new();
    // Starts small and doubles as a backlog builds: an idle stream (the common case) holds a few slots, not Capacity.
    private SseEvent?[] _ring;
    private readonly int _capacity;
    private readonly int _maxCapacity;
    private readonly string[] _conflated;
    private readonly bool _conflateState;
    private readonly SingleAssignmentDisposable _upstream = new();
    private readonly Waiter _waiter = new();

    // Positions count up forever; a slot is position % capacity. Between _read and _write a slot is either an
    // event or null (a conflated event that was replaced), so _write - _read can exceed _count until compaction.
    private readonly long[] _pendingConflated;
    private long _read;
    private long _write;
    private int _count;

    private bool _ended;
    private Exception? _error;

    private bool _waiting;
    private bool _wakeDeferred;

    // Whether the writer is blocked on the client now, or null if it has never said (see SetWriterBlocked).
    private bool? _writerBlocked;
    private CancellationToken _waitToken;
    private CancellationTokenRegistration _waitRegistration;

    /// <summary>Creates an empty buffer; subscribe it with <see cref="SseObservable.SubscribeBuffered"/>.</summary>
    /// <param name="options">The capacity and conflated types; validated and copied.</param>
    /// <exception cref="ArgumentOutOfRangeException">The capacity is less than 1.</exception>
    public ConsumerBuffer(ConsumerBufferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _capacity = options.Capacity;
        _maxCapacity = options.EffectiveMaxCapacity;
        _ring = new SseEvent?[Math.Min(_maxCapacity, InitialSlots)];
        _conflated = options.ConflatedTypeArray();
        _conflateState = options.ConflateState;
        _pendingConflated = new long[_conflated.Length];
        Array.Fill(_pendingConflated, -1);
    }

    /// <summary>Events waiting to be read.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>
    /// Why the sequence ended with an error (<see cref="SlowConsumerException"/>, or the pipeline's own error),
    /// or <see langword="null"/> while running or after a clean completion or disposal.
    /// </summary>
    public Exception? Error
    {
        get
        {
            lock (_gate)
            {
                return _error;
            }
        }
    }

    /// <summary>
    /// Completes when an event can be read (<see langword="true"/>) or the sequence has ended and every event
    /// has been read (<see langword="false"/>). One reader at a time.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait (the returned task is then canceled); the buffer is unaffected.</param>
    /// <exception cref="InvalidOperationException">Another wait is still pending.</exception>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        lock (_gate)
        {
            if (_count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_ended)
            {
                return new ValueTask<bool>(false);
            }

            if (_waiting)
            {
                throw new InvalidOperationException("A ConsumerBuffer has a single reader: another WaitToReadAsync is still pending.");
            }

            _waiter.Core.Reset();
            _waiting = true;
            _waitToken = cancellationToken;
            var version = _waiter.Core.Version;
            if (cancellationToken.CanBeCanceled)
            {
                // Runs inline if the token is cancelled meanwhile; the lock is re-entrant, so that is safe.
                _waitRegistration = cancellationToken.UnsafeRegister(
                    static (state, token) => ((ConsumerBuffer)state!).CancelWait(token), this);
            }

            return new ValueTask<bool>(_waiter, version);
        }
    }

    /// <summary>Takes the oldest waiting event, if any. For the single reader; never blocks, never allocates.</summary>
    /// <param name="item">The event, whose <see cref="SseEvent.Utf8"/> bytes are what to write.</param>
    /// <returns><see langword="false"/> when nothing is waiting (then call <see cref="WaitToReadAsync"/>).</returns>
    public bool TryRead([NotNullWhen(true)] out SseEvent? item)
    {
        lock (_gate)
        {
            while (_read < _write)
            {
                ref var slot = ref _ring[Slot(_read)];
                item = slot;
                slot = null;
                _read++;
                if (item is not null)
                {
                    _count--;
                    return true;
                }
            }
        }

        item = null;
        return false;
    }

    /// <inheritdoc />
    public void OnNext(SseEvent value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!TryEnqueue(value))
        {
            // Outside the lock: the upstream may be on another thread, waiting for it.
            _upstream.Dispose();
        }
    }

    /// <inheritdoc />
    public void OnError(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        End(error, clear: false);
    }

    /// <inheritdoc />
    public void OnCompleted() => End(null, clear: false);

    /// <summary>Unsubscribes from the pipeline, drops the buffered events and ends the sequence for the reader.</summary>
    public void Dispose() => End(null, clear: true);

    /// <summary>Takes ownership of the upstream subscription; disposes it at once if the buffer has already ended.</summary>
    internal void Attach(IDisposable subscription) => _upstream.Disposable = subscription;

    private void End(Exception? error, bool clear)
    {
        Wakeup wakeup = default;
        lock (_gate)
        {
            if (!_ended)
            {
                _ended = true;
                _error = error;
            }

            if (clear)
            {
                Array.Clear(_ring);
                _read = _write;
                _count = 0;
            }

            if (_count == 0)
            {
                wakeup = Wake(false);
            }
        }

        Complete(wakeup);
        _upstream.Dispose();
    }

    /// <summary>Adds an event, applying conflation; returns <see langword="false"/> when the buffer has just overflowed.</summary>
    private bool TryEnqueue(SseEvent value)
    {
        Wakeup wakeup;
        lock (_gate)
        {
            if (_ended)
            {
                return true;
            }

            var conflatedIndex = ConflatedIndex(value.Type);
            if (conflatedIndex >= 0)
            {
                var pending = _pendingConflated[conflatedIndex];
                if (pending >= _read)
                {
                    _ring[Slot(pending)] = null;
                    _count--;
                }
            }
            else if (_conflateState && _count > 0 && value.Id.IsState)
            {
                DropPendingState(value);
            }

            var limit = _writerBlocked == false ? _maxCapacity : _capacity;
            if (_count >= limit)
            {
                _ended = true;
                _error = new SlowConsumerException(limit == _capacity
                    ? $"The client fell behind: {_count} events were waiting for it (the limit is {_capacity}), so the stream was ended."
                    : $"The server fell behind this client: {_count} events were waiting (the limit is {_maxCapacity}), so the stream was ended.");
                return false;
            }

            if (_write - _read == _ring.Length)
            {
                // Fewer than _ring.Length events are live when conflation left holes; otherwise the ring is full and,
                // since _count < limit <= _maxCapacity, may grow.
                if (_count < _ring.Length)
                {
                    Compact();
                }
                else
                {
                    Grow();
                }
            }

            _ring[Slot(_write)] = value;
            if (conflatedIndex >= 0)
            {
                _pendingConflated[conflatedIndex] = _write;
            }

            _write++;
            _count++;
            wakeup = Wake(true);
        }

        Complete(wakeup);
        return true;
    }

    /// <summary>
    /// Drops the waiting event of the same type and state key, if any: only the latest value of a state matters to a
    /// client that is behind. The type matters too: a heartbeat's id may be that state's id (its resume point), and it
    /// is not the state. A scan of the waiting events, so it costs something only while a backlog exists. Under the lock.
    /// </summary>
    private void DropPendingState(SseEvent state)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "The ring is changed under the buffer's lock only.");
        for (var position = _read; position < _write; position++)
        {
            ref var slot = ref _ring[Slot(position)];
            if (slot is not null &&
                string.Equals(slot.Id.Key, state.Id.Key, StringComparison.Ordinal) &&
                string.Equals(slot.Type, state.Type, StringComparison.Ordinal))
            {
                slot = null;
                _count--;
                return;
            }
        }
    }

    /// <summary>
    /// Tells the buffer whether its writer is blocked on the client (a flush that did not complete at once, because the
    /// connection is not taking bytes), so it can tell a slow client from a slow server.
    /// </summary>
    /// <param name="blocked"><see langword="true"/> before awaiting such a flush; <see langword="false"/> once it completes.</param>
    /// <remarks>
    /// A writer that never calls this is held to <see cref="ConsumerBufferOptions.Capacity"/> at all times. Once it has
    /// called it, the client is dropped at <see cref="ConsumerBufferOptions.Capacity"/> only while the writer is blocked on
    /// it; otherwise the backlog is the server's own (the writer has not had the CPU to write), and it may grow to
    /// <see cref="ConsumerBufferOptions.MaxCapacity"/> before the client is dropped. So a server that falls behind under
    /// load delays its clients instead of dropping them all at once and facing their reconnects. If the writer blocks
    /// with more than <see cref="ConsumerBufferOptions.Capacity"/> events already waiting, the next event drops the client.
    /// </remarks>
    public void SetWriterBlocked(bool blocked)
    {
        lock (_gate)
        {
            _writerBlocked = blocked;
        }
    }

    /// <summary>
    /// Holds back the wake-ups of buffers' readers on this thread until the returned scope is disposed, so a reader woken
    /// by a batch of events wakes once, after the whole batch, and writes it with one flush instead of racing the
    /// delivery and flushing per event.
    /// </summary>
    /// <returns>The scope; dispose it once the batch has been delivered. Scopes nest.</returns>
    /// <remarks>
    /// For a source that delivers a burst of events synchronously (a poll's batch): open a scope around the burst.
    /// Only wake-ups with an event to read are held back (an ended buffer wakes its reader at once), and only those
    /// caused on this thread. <see cref="EventJournal"/> does this for every batch it delivers.
    /// </remarks>
    public static WakeDeferral DeferWakes()
    {
        WakeDeferral.Depth++;
        return default;
    }

    /// <summary>Wakes the reader if a deferred wake-up is still wanted; called when the deferring scope ends.</summary>
    internal void ReleaseDeferredWake()
    {
        Wakeup wakeup = default;
        lock (_gate)
        {
            _wakeDeferred = false;
            if (_waiting && _count > 0)
            {
                wakeup = Wake(true);
            }
        }

        Complete(wakeup);
    }

    /// <summary>
    /// Takes the pending wait if it is to be completed now; under the lock. A pending wait implies the buffer was empty.
    /// The caller completes it with <see cref="Complete"/> once it has left the lock: setting the result may run
    /// scheduling code, and the reader cannot start another wait before this one completes, so nothing races it.
    /// </summary>
    private Wakeup Wake(bool result)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "The wait is taken under the buffer's lock.");
        if (!_waiting)
        {
            return default;
        }

        if (result && WakeDeferral.Depth > 0)
        {
            if (!_wakeDeferred)
            {
                _wakeDeferred = true;
                WakeDeferral.Defer(this);
            }

            return default;
        }

        _waiting = false;
        _waitToken = default;
        var registration = _waitRegistration;
        _waitRegistration = default;
        return new Wakeup(true, result, registration);
    }

    /// <summary>Completes a wait taken by <see cref="Wake"/>; outside the lock.</summary>
    private void Complete(Wakeup wakeup)
    {
        Debug.Assert(!_gate.IsHeldByCurrentThread, "A wait is completed outside the buffer's lock.");
        if (!wakeup.Taken)
        {
            return;
        }

        // Unregister, not Dispose: Dispose would wait for a running cancellation callback.
        wakeup.Registration.Unregister();
        _waiter.Core.SetResult(wakeup.Result);
    }

    private void CancelWait(CancellationToken token)
    {
        lock (_gate)
        {
            // A stale callback (its wait already completed, and a new one started with another token) is ignored.
            if (!_waiting || _waitToken != token)
            {
                return;
            }

            _waiting = false;
            _waitToken = default;
            _waitRegistration = default;
        }

        _waiter.Core.SetException(new OperationCanceledException(token));
    }

    /// <summary>A wait taken under the lock, to complete outside it.</summary>
    private readonly record struct Wakeup(bool Taken, bool Result, CancellationTokenRegistration Registration);

    /// <summary>Closes the gaps left by replaced conflated events, keeping order; under the lock.</summary>
    private void Compact()
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "The ring is changed under the buffer's lock only.");
        var to = _read;
        for (var from = _read; from < _write; from++)
        {
            var value = _ring[Slot(from)];
            if (value is null)
            {
                continue;
            }

            if (to != from)
            {
                _ring[Slot(to)] = value;
                _ring[Slot(from)] = null;
                var index = ConflatedIndex(value.Type);
                if (index >= 0 && _pendingConflated[index] == from)
                {
                    _pendingConflated[index] = to;
                }
            }

            to++;
        }

        _write = to;
    }

    private int Slot(long position) => (int)(position % _ring.Length);

    private int ConflatedIndex(string type)
    {
        for (var i = 0; i < _conflated.Length; i++)
        {
            if (string.Equals(_conflated[i], type, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Doubles the ring (up to the maximum capacity), keeping every pending position, tombstones included.</summary>
    private void Grow()
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "The ring is changed under the buffer's lock only.");
        var larger = new SseEvent?[Math.Min(_maxCapacity, _ring.Length * 2)];
        for (var position = _read; position < _write; position++)
        {
            larger[(int)(position % larger.Length)] = _ring[Slot(position)];
        }

        _ring = larger;
    }

    /// <summary>The one reusable completion source behind every <see cref="WaitToReadAsync"/>.</summary>
    private sealed class Waiter : IValueTaskSource<bool>
    {
        // Continuations run on the thread pool, never inline on the thread that pushed an event.
        public ManualResetValueTaskSourceCore<bool> Core = new() { RunContinuationsAsynchronously = true };

        public bool GetResult(short token) => Core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => Core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            Core.OnCompleted(continuation, state, token, flags);
    }
}
