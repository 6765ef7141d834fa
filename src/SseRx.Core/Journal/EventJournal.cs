using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SseRx;

/// <summary>
/// A hot, bounded replay buffer of events, and the place every connection subscribes from.
/// </summary>
/// <remarks>
/// <para>
/// The journal subscribes to its source when the first reader subscribes and unsubscribes when the last one
/// leaves; the events it holds stay available for replay in between, and the next reader reconnects. Events the
/// released subscription still delivers (a poll that completed meanwhile) are appended until a newer subscription
/// delivers, so a source that keeps its own cursor across subscriptions loses nothing. It keeps
/// at most <see cref="JournalOptions.Capacity"/> events, none older than <see cref="JournalOptions.MaxAge"/>
/// (measured on the scheduler's clock from the time each event was appended), and always remembers the latest
/// <c>metrics</c> event so a new or resyncing client gets the current snapshot.
/// </para>
/// <para>
/// Appending an event and handing it to every reader happen under one lock, in source order, without
/// allocating. Readers should be cheap (a per-connection buffer such as <see cref="ConsumerBuffer"/>) and must
/// not throw.
/// </para>
/// <para>
/// When the source completes or fails, the current readers complete or fail with it (a client then reconnects
/// and resumes); the buffer is kept, and the next reader subscribes to the source again.
/// </para>
/// <para>
/// All members are thread-safe. The options are copied when the journal is created. Disposing the journal
/// completes every reader, releases the source subscription, and makes later readers complete at once.
/// </para>
/// </remarks>
public sealed class EventJournal : IDisposable
{
    private readonly Lock _gate = new();
    private readonly IObservable<SseEvent> _source;
    private readonly IScheduler _scheduler;
    private readonly long _maxAgeTicks;
    private readonly IEventHistory? _history;
    private readonly TimeSpan _historyWindow;
    private readonly int _maxHistoryEvents;

    // Ring of events in append order; _start is the oldest.
    private readonly Entry[] _ring;
    private int _start;
    private int _count;

    // Every event the source produced with an id above the floor that this journal ever appended is still in
    // the ring, so a cursor at or above it can be served from memory.
    private SseEventId _floor;
    private SseEventId? _head;
    private SseEvent? _latestMetrics;

    // Reader slots, guarded by _gate like every use of them. A leave nulls its slot and a join reuses a free one,
    // so connecting and leaving cost O(1) however many readers there are, and a reader that leaves during fan-out
    // (a slow consumer dropped from inside OnNext) shifts nothing under the loop. Fan-out skips empty slots.
    private JournalReader?[] _readers = [];
    private int _readerSlotsUsed;
    private int _readerCount;
    private readonly Stack<int> _freeReaderSlots = new();
    private JournalConnection? _connection;

    // The connection the last reader let go of, until a newer one delivers. A source may still deliver what it
    // produced before the release took effect (a poll that completed meanwhile, or the rest of a batch whose delivery
    // released it), even after a new reader has made a new connection, and a source such as SentimentFeed has already
    // moved its cursor past those events, so dropping them would lose them for good. Once the newer connection has
    // delivered, the older one's stragglers would be out of order and are ignored.
    private JournalConnection? _releasing;
    private bool _disposed;

    /// <summary>Creates a journal over <paramref name="source"/>. Nothing is subscribed until the first reader arrives.</summary>
    /// <param name="source">The live events, usually shared (one poll per process).</param>
    /// <param name="options">Bounds and history; validated and copied here.</param>
    /// <param name="scheduler">
    /// The clock for <see cref="JournalOptions.MaxAge"/> and <see cref="JournalOptions.HistoryWindow"/>, and where a reader
    /// that leaves while the journal is delivering on another thread has its slot freed, so it should run work
    /// asynchronously (<c>Scheduler.Default</c>; not <c>Scheduler.Immediate</c>).
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public EventJournal(IObservable<SseEvent> source, JournalOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();

        _source = source;
        _scheduler = scheduler;
        _maxAgeTicks = options.MaxAge.Ticks;
        _history = options.History;
        _historyWindow = options.HistoryWindow;
        _maxHistoryEvents = options.MaxHistoryEvents;
        _ring = new Entry[options.Capacity];

        // Before anything is evicted, the journal can vouch only for what happened since it was created.
        _floor = SseEventId.AtTime(scheduler.Now);
    }

    /// <summary>The id of the newest event appended, or <see langword="null"/> before the first.</summary>
    public SseEventId? Head
    {
        get
        {
            lock (_gate)
            {
                return _head;
            }
        }
    }

    /// <summary>The latest <c>metrics</c> event, even if it has left the replay buffer.</summary>
    public SseEvent? LatestMetrics
    {
        get
        {
            lock (_gate)
            {
                return _latestMetrics;
            }
        }
    }

    /// <summary>The number of events held for replay (events older than <see cref="JournalOptions.MaxAge"/> do not count).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                EvictExpired(_scheduler.Now);
                return _count;
            }
        }
    }

    /// <summary>The number of current readers (subscriptions made through <see cref="ResumeFrom"/>).</summary>
    /// <remarks>
    /// A reader disposed while the journal is busy delivering an event (on another thread) is counted until that
    /// delivery ends and the journal's scheduler frees its slot; it receives nothing in between.
    /// </remarks>
    public int ReaderCount
    {
        get
        {
            lock (_gate)
            {
                return _readerCount;
            }
        }
    }

    /// <summary>The lock that orders appends, fan-out and each reader's switch from replay to live.</summary>
    internal Lock Gate => _gate;

    /// <summary>
    /// The events a client should see after <paramref name="lastEventId"/>, then the live events.
    /// </summary>
    /// <param name="lastEventId">The client's <c>Last-Event-ID</c>, or <see langword="null"/>/empty for a new client.</param>
    /// <returns>
    /// A hot sequence; the id is looked up when it is subscribed, and each subscription is one reader:
    /// <list type="bullet">
    /// <item>No id: the latest <c>metrics</c> event (if any), then live events.</item>
    /// <item>An id held in the journal: every held event after it (by position), in order, then live events.</item>
    /// <item>Any other valid id at or above the journal's floor (the newest id it has evicted, or the time it was
    /// created while nothing has been evicted): every held event whose id sorts after it, then live events. An id
    /// newer than everything held (say, from an instance that is ahead) therefore goes straight to live.</item>
    /// <item>An older id within <see cref="JournalOptions.HistoryWindow"/>, with a <see cref="JournalOptions.History"/>:
    /// the store's events after it (at most <see cref="JournalOptions.MaxHistoryEvents"/>), then the held events
    /// after it that the store did not return, then the latest <c>metrics</c> event unless the replay carried one,
    /// then live events. If the store answers <see langword="null"/> or throws, a <c>resync</c> (<c>unknown</c>).
    /// If it returns the maximum and still stops below the floor, a gap cannot be ruled out: a <c>resync</c>
    /// (<c>too_old</c>).</item>
    /// <item>An id that is malformed (<c>malformed</c>); older than the floor with no history (<c>unknown</c>, or
    /// <c>too_old</c> when it is older than <see cref="JournalOptions.MaxAge"/>, which no journal could still
    /// hold); older than <see cref="JournalOptions.HistoryWindow"/> with a history (<c>too_old</c>): one
    /// <c>resync</c> event whose id is <see cref="Head"/> (or the current time when the journal is empty), the
    /// latest <c>metrics</c> event (if any), then live events. Never an error.</item>
    /// </list>
    /// There is no gap and no duplicate between the replay and the live events, even when events arrive while the
    /// replay runs: those are queued and delivered after it, minus any whose id the replay already carried.
    /// The sequence completes when the journal is disposed or the source completes, and fails when the source
    /// fails.
    /// </returns>
    public IObservable<SseEvent> ResumeFrom(string? lastEventId) => new JournalResume(this, lastEventId);

    /// <summary>Completes every reader and releases the source subscription. Later readers complete at once.</summary>
    public void Dispose()
    {
        JournalConnection? connection;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connection = _connection;
            _connection = null;
            _releasing = null;
            foreach (var reader in TakeAllReaders())
            {
                reader.OnTerminal(null);
            }
        }

        connection?.Dispose();
    }

    /// <summary>Registers a reader and starts its replay; called by <see cref="JournalResume"/>.</summary>
    internal IDisposable Subscribe(string? lastEventId, IObserver<SseEvent> observer)
    {
        var reader = new JournalReader(this, observer);
        JournalConnection? connect = null;
        ResumePlan plan;
        lock (_gate)
        {
            if (_disposed)
            {
                plan = default;
            }
            else
            {
                // The snapshot and the registration happen under one lock: every later append reaches the reader.
                var now = _scheduler.Now;
                EvictExpired(now);
                plan = Plan(lastEventId, now);
                AddReader(reader);
                if (_connection is null)
                {
                    connect = _connection = new JournalConnection(this);
                }
            }
        }

        if (plan.Kind == ResumeKind.None)
        {
            observer.OnCompleted();
            return Disposable.Empty;
        }

        connect?.Connect(_source);
        reader.Start(plan, _history, _maxHistoryEvents);
        return reader;
    }

    /// <summary>Removes a reader; the last one to leave releases the source.</summary>
    internal void Remove(JournalReader reader)
    {
        // A reader is usually disposed from inside a pipeline that holds locks of its own (a heartbeat that overflowed
        // a full buffer holds the heartbeat's lock). The fan-out holds this lock while it calls into those pipelines, so
        // waiting for it here could close a cycle and freeze every stream. The reader is already marked disposed and
        // receives nothing more, so when the lock is busy its slot is freed later, on the journal's scheduler.
        if (!_gate.TryEnter())
        {
            _scheduler.Schedule((Journal: this, Reader: reader), static (_, state) =>
            {
                state.Journal.RemoveWaiting(state.Reader);
                return Disposable.Empty;
            });
            return;
        }

        JournalConnection? disconnect;
        try
        {
            disconnect = Detach(reader);
        }
        finally
        {
            _gate.Exit();
        }

        // Outside the lock: a source may wait for an in-flight OnNext, which needs the lock.
        disconnect?.Dispose();
    }

    private void RemoveWaiting(JournalReader reader)
    {
        JournalConnection? disconnect;
        lock (_gate)
        {
            disconnect = Detach(reader);
        }

        disconnect?.Dispose();
    }

    /// <summary>Frees the reader's slot; returns the source connection to release when it was the last reader. Under the lock.</summary>
    private JournalConnection? Detach(JournalReader reader)
    {
        var slot = reader.Slot;
        if (slot < 0 || !ReferenceEquals(_readers[slot], reader))
        {
            return null;
        }

        _readers[slot] = null;
        reader.Slot = -1;
        _freeReaderSlots.Push(slot);
        if (--_readerCount > 0)
        {
            return null;
        }

        ResetReaderSlots();
        var disconnect = _connection;
        _connection = null;
        _releasing = disconnect;
        return disconnect;
    }

    private void AddReader(JournalReader reader)
    {
        if (!_freeReaderSlots.TryPop(out var slot))
        {
            if (_readerSlotsUsed == _readers.Length)
            {
                Array.Resize(ref _readers, Math.Max(4, _readers.Length * 2));
            }

            slot = _readerSlotsUsed++;
        }

        _readers[slot] = reader;
        reader.Slot = slot;
        _readerCount++;
    }

    /// <summary>Empties the reader slots and returns the readers that held them.</summary>
    private List<JournalReader> TakeAllReaders()
    {
        var readers = new List<JournalReader>(_readerCount);
        for (var i = 0; i < _readerSlotsUsed; i++)
        {
            if (_readers[i] is { } reader)
            {
                reader.Slot = -1;
                readers.Add(reader);
            }
        }

        ResetReaderSlots();
        return readers;
    }

    private void ResetReaderSlots()
    {
        _readers = [];
        _readerSlotsUsed = 0;
        _readerCount = 0;
        _freeReaderSlots.Clear();
    }

    internal void Append(JournalConnection connection, SseEvent value)
    {
        lock (_gate)
        {
            if (ReferenceEquals(connection, _connection))
            {
                _releasing = null;
            }
            else if (!ReferenceEquals(connection, _releasing))
            {
                // Released, and the newer connection has delivered since (see _releasing): stale.
                return;
            }

            var now = _scheduler.Now;
            EvictExpired(now);
            if (_count == _ring.Length)
            {
                EvictOldest();
            }

            _ring[(_start + _count) % _ring.Length] = new Entry(value, now.UtcTicks);
            _count++;
            _head = value.Id;
            if (string.Equals(value.Type, SseEventTypes.Metrics, StringComparison.Ordinal))
            {
                _latestMetrics = value;
            }

            // Bounded by the slots in use when the event arrived: a reader that joins from inside this loop already
            // has the event in its snapshot.
            var readers = _readers;
            var used = _readerSlotsUsed;
            for (var i = 0; i < used; i++)
            {
                readers[i]?.OnLive(value);
            }
        }
    }

    internal void Terminate(JournalConnection connection, Exception? error)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(connection, _connection))
            {
                return;
            }

            _connection = null;
            foreach (var reader in TakeAllReaders())
            {
                reader.OnTerminal(error);
            }
        }

        connection.Dispose();
    }

    /// <summary>The resume point of a <c>resync</c>: the head, or the current time when nothing has been appended.</summary>
    private SseEventId ResumePoint(DateTimeOffset now) => _head ?? SseEventId.AtTime(now);

    private ResumePlan Plan(string? lastEventId, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(lastEventId))
        {
            return ResumePlan.Replay(_latestMetrics is { } metrics ? [metrics] : []);
        }

        if (!SseEventId.TryParse(lastEventId, out var cursor))
        {
            return ResumePlan.Resync(ResumePoint(now), ResyncReasons.Malformed, _latestMetrics);
        }

        // Newest first: a client usually resumes from near the head.
        for (var i = _count - 1; i >= 0; i--)
        {
            if (_ring[(_start + i) % _ring.Length].Event.Id == cursor)
            {
                return ResumePlan.Replay(Snapshot(i + 1, cursor: null));
            }
        }

        if (cursor >= _floor)
        {
            return ResumePlan.Replay(Snapshot(0, cursor));
        }

        var age = now - cursor.Timestamp;
        if (_history is null)
        {
            var reason = age >= TimeSpan.FromTicks(_maxAgeTicks) ? ResyncReasons.TooOld : ResyncReasons.Unknown;
            return ResumePlan.Resync(ResumePoint(now), reason, _latestMetrics);
        }

        if (age > _historyWindow)
        {
            return ResumePlan.Resync(ResumePoint(now), ResyncReasons.TooOld, _latestMetrics);
        }

        return ResumePlan.FromHistory(cursor, Snapshot(0, cursor), _floor, ResumePoint(now), _latestMetrics);
    }

    /// <summary>The held events from position <paramref name="from"/> on, only those after <paramref name="cursor"/> when given.</summary>
    private SseEvent[] Snapshot(int from, SseEventId? cursor)
    {
        var events = new List<SseEvent>(_count - from);
        for (var i = from; i < _count; i++)
        {
            var value = _ring[(_start + i) % _ring.Length].Event;
            if (cursor is not { } after || value.Id > after)
            {
                events.Add(value);
            }
        }

        return [.. events];
    }

    private void EvictExpired(DateTimeOffset now)
    {
        var expiredAtOrBefore = now.UtcTicks - _maxAgeTicks;
        while (_count > 0 && _ring[_start].AppendedTicks <= expiredAtOrBefore)
        {
            EvictOldest();
        }
    }

    private void EvictOldest()
    {
        ref var oldest = ref _ring[_start];
        if (oldest.Event.Id > _floor)
        {
            _floor = oldest.Event.Id;
        }

        oldest = default;
        _start = (_start + 1) % _ring.Length;
        _count--;
    }

    private readonly record struct Entry(SseEvent Event, long AppendedTicks);
}
