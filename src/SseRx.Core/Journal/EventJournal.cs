using System.Diagnostics;
using System.Reactive.Concurrency;
using System.Reactive.Disposables;

namespace SseRx;

/// <summary>
/// A hot, bounded replay buffer of a feed's events, and the place every connection subscribes from.
/// </summary>
/// <remarks>
/// <para>
/// The journal subscribes to its source when the first reader arrives and unsubscribes when the last one leaves; what
/// it holds stays available for replay in between, and the next reader subscribes again. It keeps at most
/// <see cref="JournalOptions.Capacity"/> events, none older than <see cref="JournalOptions.MaxAge"/> (on the
/// scheduler's clock, from when each was appended), plus the latest event of every state key (see
/// <see cref="SseEventId.StateKey"/>) and the last <see cref="JournalOptions.RecentEntries"/> entries, which a new
/// client gets at once.
/// </para>
/// <para>
/// Ids are positions (see <c>docs/event-ids-and-resume.md</c>): the journal appends only events after its
/// <see cref="Position"/>, so a batch that overlaps what it holds (two pollers during a hand-over) adds nothing twice,
/// and a reader skips whatever is at or before what it has already sent.
/// </para>
/// <para>
/// Appending takes a short lock that calls no other code. Delivery to readers happens outside it, one batch at a time
/// and in order, on the thread that appended (a concurrent append queues its batch for that thread). A reader that
/// throws is dropped; the others are unaffected. Readers should be cheap (a per-connection buffer such as
/// <see cref="ConsumerBuffer"/>).
/// </para>
/// <para>
/// When the source completes or fails, the current readers complete or fail with it (a client then reconnects and
/// resumes); the buffer is kept, and the next reader subscribes to the source again. All members are thread-safe.
/// Disposing the journal completes every reader, releases the source, and makes later readers complete at once.
/// </para>
/// </remarks>
public sealed class EventJournal : IDisposable
{
    private readonly Lock _gate = new();
    private readonly IObservable<SseBatch> _source;
    private readonly IScheduler _scheduler;
    private readonly long _maxAgeTicks;
    private readonly JournalOptions _options;
    private readonly DateTimeOffset _created;

    // The replay ring, in append (= id) order; _start is the oldest. Guarded by _gate, like every field below.
    private readonly Entry[] _ring;
    private int _start;
    private int _count;

    // Every event after the floor, up to the position, is in the ring: a cursor at or after it is served from memory.
    // Null until the first batch.
    private SseEventId? _floor;
    private SseEventId? _position;
    private readonly Dictionary<string, SseEvent> _state = new(StringComparer.Ordinal);
    private readonly SseEvent[] _recent;
    private int _recentStart;
    private int _recentCount;

    // Reader slots: a leave nulls its slot and a join reuses a free one, so both cost O(1). Delivery reads the array
    // it finds when it starts a batch; a reader that joins later already holds that batch in its snapshot, and a reader
    // skips events at or before its position, so a slot read racily can never deliver twice.
    private JournalReader?[] _readers = [];
    private int _readerSlotsUsed;
    private int _readerCount;

    // Handles from Connect that keep the source subscribed with no reader.
    private int _pins;
    private readonly Stack<int> _freeReaderSlots = new();
    private JournalConnection? _connection;
    private bool _disposed;

    // Readers whose history read waits for the first batch (a fresh process has no position to read up to yet).
    private List<(JournalReader Reader, SseEventId Cursor)>? _awaitingPosition;

    // Batches and terminals waiting to be delivered by the drain loop (under _gate).
    private readonly DrainQueue<Delivery> _deliveries;

    /// <summary>Creates a journal over <paramref name="source"/>. Nothing is subscribed until the first reader arrives.</summary>
    /// <param name="source">The feed's batches (one poll per process; see <see cref="SseFeed{TEntry}"/>).</param>
    /// <param name="options">Bounds and history; validated and copied here.</param>
    /// <param name="scheduler">The clock for <see cref="JournalOptions.MaxAge"/>, <see cref="JournalOptions.HistoryWindow"/> and <see cref="JournalOptions.MaxCursorLead"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public EventJournal(IObservable<SseBatch> source, JournalOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();

        _source = source;
        _scheduler = scheduler;
        _deliveries = new DrainQueue<Delivery>(_gate);
        _options = new JournalOptions
        {
            Capacity = options.Capacity,
            MaxAge = options.MaxAge,
            RecentEntries = options.RecentEntries,
            History = options.History,
            HistoryWindow = options.HistoryWindow,
            MaxHistoryEvents = options.MaxHistoryEvents,
            MaxCursorLead = options.MaxCursorLead,
            Resync = options.Resync,
        };
        _maxAgeTicks = options.MaxAge.Ticks;
        _ring = new Entry[options.Capacity];
        _recent = new SseEvent[options.RecentEntries];
        _created = scheduler.Now;
    }

    /// <summary>
    /// Where the journal's record ends: every event of its source up to here has been appended. <see langword="null"/>
    /// before the first batch.
    /// </summary>
    public SseEventId? Position
    {
        get
        {
            lock (_gate)
            {
                return _position;
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

    /// <summary>The number of current readers (subscriptions made through <see cref="ResumeFrom(string?)"/>).</summary>
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

    internal JournalOptions Options => _options;

    internal IScheduler Scheduler => _scheduler;

    /// <summary>The latest event of <paramref name="stateKey"/>, even if it has left the replay buffer.</summary>
    /// <param name="stateKey">The state key, for example <c>metrics</c> (see <see cref="SseEventId.StateKey"/>).</param>
    /// <returns>The event, or <see langword="null"/> when no event of that key has been appended.</returns>
    public SseEvent? LatestState(string stateKey)
    {
        ArgumentNullException.ThrowIfNull(stateKey);
        lock (_gate)
        {
            return _state.GetValueOrDefault(stateKey);
        }
    }

    /// <summary>
    /// The events a client should see after <paramref name="lastEventId"/>, then the live events.
    /// </summary>
    /// <param name="lastEventId">The client's <c>Last-Event-ID</c>, or <see langword="null"/>/empty for a new client.</param>
    /// <returns>
    /// A hot sequence; the id is looked up when it is subscribed, and each subscription is one reader. What it replays
    /// for each kind of cursor is in <c>docs/event-ids-and-resume.md</c>: in short, every entry after the cursor once,
    /// the latest state, then live; a <c>resync</c> and the current state where that cannot be vouched for. Never an
    /// error for a bad id. The ids it emits increase. The sequence completes when the journal is disposed or the
    /// source completes, and fails when the source fails.
    /// </returns>
    public IObservable<SseEvent> ResumeFrom(string? lastEventId) => new JournalResume(this, lastEventId, null);

    /// <summary>
    /// <see cref="ResumeFrom(string?)"/>, and tells <paramref name="onResolved"/> once per subscription how the id was
    /// resolved (from memory, from the store, or with a resync) as soon as that is known: at once, or when a history
    /// read answers. It is not called if the subscription is disposed first.
    /// </summary>
    /// <param name="lastEventId">The client's <c>Last-Event-ID</c>, or <see langword="null"/>/empty for a new client.</param>
    /// <param name="onResolved">Called once, from the subscribing thread or the one that completes a history read; an exception it throws is ignored.</param>
    public IObservable<SseEvent> ResumeFrom(string? lastEventId, Action<ResumeOutcome>? onResolved) =>
        new JournalResume(this, lastEventId, onResolved);

    /// <summary>Completes every reader and releases the source subscription. Later readers complete at once.</summary>
    public void Dispose()
    {
        JournalConnection? connection;
        bool deliver;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            connection = _connection;
            _connection = null;
            deliver = _deliveries.EnqueueAndClaim(Delivery.Terminal(TakeAllReaders(), null));
        }

        if (deliver)
        {
            Deliver();
        }

        connection?.Dispose();
    }

    /// <summary>Registers a reader and starts its replay; called by <see cref="JournalResume"/>.</summary>
    internal IDisposable Subscribe(string? lastEventId, IObserver<SseEvent> observer, Action<ResumeOutcome>? onResolved)
    {
        var reader = new JournalReader(this, observer, onResolved);
        JournalConnection? connect = null;
        ReaderPlan plan;
        lock (_gate)
        {
            if (_disposed)
            {
                plan = ReaderPlan.Ended;
            }
            else
            {
                // The plan and the registration happen under one lock: every later batch reaches the reader.
                var now = _scheduler.Now;
                EvictExpired(now);
                plan = Plan(lastEventId, now);
                reader.Prepare(plan);
                AddReader(reader);
                if (plan.Kind == ReaderPlanKind.History && plan.Through is null)
                {
                    (_awaitingPosition ??= []).Add((reader, plan.Position!.Value));
                }
                if (_connection is null)
                {
                    connect = _connection = new JournalConnection(this);
                }
            }
        }

        if (plan.Kind == ReaderPlanKind.Ended)
        {
            observer.OnCompleted();
            return Disposable.Empty;
        }

        connect?.Connect(_source);
        reader.Start(plan);
        return reader;
    }

    /// <summary>
    /// Keeps the journal subscribed to its source until the returned handle is disposed, whether or not anyone reads:
    /// for a push source (a subject, a message bus) whose events would otherwise be missed while no client listens.
    /// </summary>
    /// <returns>A handle; disposing it (once is enough) lets the journal follow its readers again.</returns>
    /// <remarks>
    /// If the source completes or fails, the journal lets go of it as usual; the next reader subscribes again. After
    /// the journal is disposed this does nothing.
    /// </remarks>
    public IDisposable Connect()
    {
        JournalConnection? connect = null;
        lock (_gate)
        {
            if (_disposed)
            {
                return Disposable.Empty;
            }

            _pins++;
            if (_connection is null)
            {
                connect = _connection = new JournalConnection(this);
            }
        }

        connect?.Connect(_source);
        return Disposable.Create(this, static journal => journal.Unpin());
    }

    /// <summary>Removes a reader; the last one to leave releases the source. Never waits on a delivery.</summary>
    internal void Remove(JournalReader reader)
    {
        JournalConnection? disconnect = null;
        lock (_gate)
        {
            var slot = reader.Slot;
            if (slot >= 0 && ReferenceEquals(_readers[slot], reader))
            {
                Volatile.Write(ref _readers[slot], null);
                reader.Slot = -1;
                _freeReaderSlots.Push(slot);
                if (--_readerCount == 0)
                {
                    ResetReaderSlots();
                    if (_pins == 0)
                    {
                        disconnect = _connection;
                        _connection = null;
                    }
                }
            }
        }

        // Outside the lock: disposing the source stops a poller, which may be delivering on another thread.
        disconnect?.Dispose();
    }

    private void Unpin()
    {
        JournalConnection? disconnect = null;
        lock (_gate)
        {
            if (--_pins == 0 && _readerCount == 0)
            {
                disconnect = _connection;
                _connection = null;
            }
        }

        disconnect?.Dispose();
    }

    /// <summary>Appends what is new in <paramref name="batch"/> and delivers it to the readers.</summary>
    internal void Append(SseBatch batch)
    {
        var deliver = false;
        List<(JournalReader Reader, SseEventId Through, SseEvent[] States)>? startHistory = null;
        lock (_gate)
        {
            if (_disposed || (_position is { } position && batch.Through <= position))
            {
                return;
            }

            var now = _scheduler.Now;
            EvictExpired(now);
            if (_position is null)
            {
                // The first batch: the record starts where the batch says it covers from, or when the journal was made.
                _floor = batch.After ?? SseEventId.AtTime(_created);
            }
            else if (batch.After is { } after && after > _position.Value)
            {
                // A run that does not connect to what is held (a feed restarted elsewhere): the record restarts there.
                _floor = after;
            }

            var fresh = NewEvents(batch.Events);
            foreach (var value in fresh)
            {
                AppendUnderGate(value, now.UtcTicks);
            }

            _position = batch.Through;
            if (_awaitingPosition is { } awaiting)
            {
                // The history reads that waited for a position read up to this one; this batch then reaches them live.
                _awaitingPosition = null;
                startHistory = [.. awaiting.Select(a => (a.Reader, batch.Through, StatesAfter(a.Cursor)))];
            }

            if (fresh.Length > 0)
            {
                deliver = _deliveries.EnqueueAndClaim(Delivery.Batch(fresh));
            }
        }

        if (startHistory is not null)
        {
            foreach (var (reader, through, states) in startHistory)
            {
                reader.StartHistory(through, states);
            }
        }

        if (deliver)
        {
            Deliver();
        }
    }

    /// <summary>The source ended: its readers end with it (they reconnect and resume). A released connection is ignored.</summary>
    internal void Terminate(JournalConnection connection, Exception? error)
    {
        bool deliver;
        lock (_gate)
        {
            if (!ReferenceEquals(connection, _connection))
            {
                return;
            }

            _connection = null;
            deliver = _deliveries.EnqueueAndClaim(Delivery.Terminal(TakeAllReaders(), error));
        }

        if (deliver)
        {
            Deliver();
        }

        connection.Dispose();
    }

    /// <summary>The current state for a new client, taken now; see <see cref="Plan"/>.</summary>
    internal ReaderPlan CurrentStatePlan(string? resyncReason)
    {
        lock (_gate)
        {
            return StatePlan(resyncReason, _scheduler.Now);
        }
    }

    private ReaderPlan Plan(string? lastEventId, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(lastEventId))
        {
            return StatePlan(null, now) with { Source = ResumeSource.New };
        }

        if (!SseEventId.TryParse(lastEventId, out var cursor))
        {
            return StatePlan(ResyncReasons.Malformed, now);
        }

        if (cursor == SseEventId.Initial)
        {
            // A client that was sent nothing but a heartbeat before it dropped: it is still a new client.
            return StatePlan(null, now) with { Source = ResumeSource.New };
        }

        if (cursor.Timestamp - now > _options.MaxCursorLead)
        {
            return StatePlan(ResyncReasons.Unknown, now);
        }

        if (_floor is { } floor && cursor >= floor)
        {
            return ReaderPlan.Replay(EventsAfter(cursor), cursor);
        }

        var age = now - cursor.Timestamp;
        if (_options.History is null)
        {
            return StatePlan(age >= _options.MaxAge ? ResyncReasons.TooOld : ResyncReasons.Unknown, now);
        }

        if (age > _options.HistoryWindow)
        {
            return StatePlan(ResyncReasons.TooOld, now);
        }

        // The read waits for the journal's first batch when it has none yet (a fresh process).
        return ReaderPlan.History(cursor, _position, StatesAfter(cursor));
    }

    /// <summary>
    /// What a new client gets: the recent entries and the latest event of every state key, merged in id order, then
    /// live from the journal's position. With a reason, a <c>resync</c> comes first.
    /// </summary>
    private ReaderPlan StatePlan(string? resyncReason, DateTimeOffset now)
    {
        var events = new List<SseEvent>(_recentCount + _state.Count + 1);
        for (var i = 0; i < _recentCount; i++)
        {
            events.Add(_recent[(_recentStart + i) % _recent.Length]);
        }

        var states = _state.Values.ToArray();
        Array.Sort(states, static (a, b) => a.Id.CompareTo(b.Id));
        var merged = Merge(events, states);
        SseEvent? resync = null;
        if (resyncReason is not null)
        {
            // Its id is a cursor just before the state that follows, so a client that drops right after it resumes into it.
            // Before the first batch there is no state: the cursor is the journal's creation, which every entry it will
            // record later is after or replays from its record (not "now": entries stamped before now may still arrive,
            // and a resume from "now" would skip them).
            var resumePoint = merged.Count > 0 ? SseEventId.AtTime(merged[0].Id.Timestamp) : _position ?? SseEventId.AtTime(_created);
            resync = _options.Resync(resumePoint, resyncReason);
        }

        return ReaderPlan.State([.. merged], _position, resync, resyncReason);
    }

    /// <summary>Merges two lists that are each in id order.</summary>
    internal static List<SseEvent> Merge(IReadOnlyList<SseEvent> left, IReadOnlyList<SseEvent> right)
    {
        var merged = new List<SseEvent>(left.Count + right.Count);
        int i = 0, j = 0;
        while (i < left.Count || j < right.Count)
        {
            if (j == right.Count || (i < left.Count && left[i].Id < right[j].Id))
            {
                merged.Add(left[i++]);
            }
            else if (i < left.Count && left[i].Id == right[j].Id)
            {
                merged.Add(left[i++]);
                j++;
            }
            else
            {
                merged.Add(right[j++]);
            }
        }

        return merged;
    }

    private SseEvent[] StatesAfter(SseEventId cursor)
    {
        var states = new List<SseEvent>(_state.Count);
        foreach (var value in _state.Values)
        {
            if (value.Id > cursor)
            {
                states.Add(value);
            }
        }

        states.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return [.. states];
    }

    /// <summary>The held events after <paramref name="cursor"/>, found by binary search (the ring is in id order).</summary>
    private SseEvent[] EventsAfter(SseEventId cursor)
    {
        int low = 0, high = _count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (At(mid).Id > cursor)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        var events = new SseEvent[_count - low];
        for (var i = low; i < _count; i++)
        {
            events[i - low] = At(i);
        }

        return events;
    }

    private SseEvent At(int index) => _ring[(_start + index) % _ring.Length].Event;

    /// <summary>The events of a batch that are after the position (all of them, unless the batch overlaps what is held).</summary>
    private SseEvent[] NewEvents(IReadOnlyList<SseEvent> events)
    {
        var first = 0;
        if (_position is { } position)
        {
            while (first < events.Count && events[first].Id <= position)
            {
                first++;
            }
        }

        var fresh = new SseEvent[events.Count - first];
        for (var i = first; i < events.Count; i++)
        {
            fresh[i - first] = events[i];
        }

        return fresh;
    }

    private void AppendUnderGate(SseEvent value, long appendedTicks)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "The ring is changed under the journal's lock only.");
        if (_count == _ring.Length)
        {
            EvictOldest();
        }

        _ring[(_start + _count) % _ring.Length] = new Entry(value, appendedTicks);
        _count++;
        if (value.Id.StateKey is { } stateKey)
        {
            _state[stateKey] = value;
        }
        else if (value.Id.IsEntry && _recent.Length > 0)
        {
            if (_recentCount == _recent.Length)
            {
                _recent[_recentStart] = value;
                _recentStart = (_recentStart + 1) % _recent.Length;
            }
            else
            {
                _recent[(_recentStart + _recentCount++) % _recent.Length] = value;
            }
        }
    }

    /// <summary>
    /// The drain loop: delivers queued batches and terminals in order, outside the lock, until none is left. Only the
    /// thread that claimed <see cref="_deliveries"/> runs it.
    /// </summary>
    private void Deliver()
    {
        while (true)
        {
            Delivery delivery;
            JournalReader?[] readers;
            int used;
            lock (_gate)
            {
                if (!_deliveries.TryTakeOrRelease(out delivery))
                {
                    return;
                }

                readers = _readers;
                used = _readerSlotsUsed;
            }

            if (delivery.Readers is { } ending)
            {
                foreach (var reader in ending)
                {
                    try
                    {
                        reader.OnTerminal(delivery.Error);
                    }
#pragma warning disable CA1031 // As above: one pipeline's failure must not stop the others from ending.
                    catch (Exception)
#pragma warning restore CA1031
                    {
                        reader.Dispose();
                    }
                }

                continue;
            }

            // Readers' buffers wake their writers once, after the whole batch: each connection writes it with one flush.
            using var wakes = ConsumerBuffer.DeferWakes();
            for (var i = 0; i < used; i++)
            {
                if (Volatile.Read(ref readers[i]) is not { } reader)
                {
                    continue;
                }

                try
                {
                    reader.OnBatch(delivery.Events!);
                }
#pragma warning disable CA1031 // A connection whose pipeline throws is dropped; it must not stop delivery to the others.
                catch (Exception)
#pragma warning restore CA1031
                {
                    reader.Dispose();
                }
            }
        }
    }

    private void AddReader(JournalReader reader)
    {
        if (!_freeReaderSlots.TryPop(out var slot))
        {
            if (_readerSlotsUsed == _readers.Length)
            {
                // A new array: a delivery in progress keeps iterating the old one, whose slots stay valid.
                var grown = new JournalReader?[Math.Max(4, _readers.Length * 2)];
                Array.Copy(_readers, grown, _readerSlotsUsed);
                _readers = grown;
            }

            slot = _readerSlotsUsed++;
        }

        Volatile.Write(ref _readers[slot], reader);
        reader.Slot = slot;
        _readerCount++;
    }

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
        if (_floor is not { } floor || oldest.Event.Id > floor)
        {
            _floor = oldest.Event.Id;
        }

        oldest = default;
        _start = (_start + 1) % _ring.Length;
        _count--;
    }

    private readonly record struct Entry(SseEvent Event, long AppendedTicks);

    /// <summary>A batch's new events, or the end of some readers.</summary>
    private readonly record struct Delivery(SseEvent[]? Events, List<JournalReader>? Readers, Exception? Error)
    {
        public static Delivery Batch(SseEvent[] events) => new(events, null, null);

        public static Delivery Terminal(List<JournalReader> readers, Exception? error) => new(null, readers, error);
    }

    /// <summary>Asserts (in debug builds) that the caller holds the journal's lock.</summary>
    [Conditional("DEBUG")]
    internal void AssertLockHeld() => Debug.Assert(_gate.IsHeldByCurrentThread, "Called under the journal's lock only.");
}
