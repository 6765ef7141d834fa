using System.Diagnostics;

namespace SseRx;

internal enum ReaderPlanKind
{
    /// <summary>The journal is disposed: complete at once.</summary>
    Ended,

    /// <summary>Send <see cref="ReaderPlan.Events"/> (the current state, perhaps after a resync), then go live.</summary>
    State,

    /// <summary>Replay <see cref="ReaderPlan.Events"/> (the held events after the cursor), then go live.</summary>
    Replay,

    /// <summary>Read the store after the cursor up to the journal's position, merge in the latest state, then go live.</summary>
    History,
}

/// <summary>What one reader replays, decided under the journal's lock when it subscribes.</summary>
internal readonly record struct ReaderPlan(
    ReaderPlanKind Kind, SseEvent[] Events, SseEventId? Position, SseEventId? Through, SseEvent[] States, SseEvent? Resync)
{
    /// <summary>What to report when the plan is carried out (a new client's state; otherwise derived from the kind).</summary>
    public ResumeSource? Source { get; init; }

    public static ReaderPlan Ended { get; } = new(ReaderPlanKind.Ended, [], null, null, [], null);

    /// <summary>A new client's state, from <paramref name="position"/> on, after <paramref name="resync"/> if any.</summary>
    public static ReaderPlan State(SseEvent[] events, SseEventId? position, SseEvent? resync, string? reason) =>
        new(ReaderPlanKind.State, events, position, null, [], resync) { ResyncReason = reason };

    /// <summary>The reason of the resync, if any.</summary>
    public string? ResyncReason { get; init; }

    /// <summary>The held events after <paramref name="cursor"/>.</summary>
    public static ReaderPlan Replay(SseEvent[] events, SseEventId cursor) => new(ReaderPlanKind.Replay, events, cursor, null, [], null);

    /// <summary>The store's entries in (<paramref name="cursor"/>, <paramref name="through"/>]; null: the journal's first position.</summary>
    public static ReaderPlan History(SseEventId cursor, SseEventId? through, SseEvent[] states) =>
        new(ReaderPlanKind.History, [], cursor, through, states, null);
}

/// <summary>
/// One subscription to <see cref="EventJournal.ResumeFrom(string?)"/>: sends its replay, queues the batches that arrive
/// meanwhile, then forwards batches as the journal delivers them.
/// </summary>
/// <remarks>
/// <para>
/// The observer is called by one thread at a time and never under a lock: first by the thread that replays (the
/// subscriber's, or the one that completes a history read), then, once it has drained the queue and switched to live
/// under the reader's own lock, only by the journal's delivery loop. The lock guards the switch and the queue and
/// calls nothing.
/// </para>
/// <para>
/// The reader keeps its position, the id of the last event it sent (or the cursor it started from), and skips every
/// event at or before it. That is what makes the hand-over from replay to live exact, and a cursor ahead of this
/// instance wait for it.
/// </para>
/// </remarks>
internal sealed class JournalReader(EventJournal journal, IObserver<SseEvent> observer, Action<ResumeOutcome>? onResolved) : IDisposable
{
    /// <summary>This reader's index in the journal's reader slots, or -1 when not registered (guarded by the journal's lock).</summary>
    internal int Slot = -1;

    private readonly Lock _lock = new();

    // Under _lock: whether the journal's delivery loop may call the observer directly, what arrived before that, and
    // whether the sequence has ended.
    private bool _live;
    private List<Pending>? _pending;
    private bool _ended;

    // Read and written only by the thread that is calling the observer (see the remarks).
    private SseEventId? _position;

    private int _disposed;

    // For a history read: the cursor, and its cancellation (cancelled, never disposed: it has no timer or links to
    // release, and the store may still hold its token).
    private SseEventId _cursor;
    private CancellationTokenSource? _historyCancellation;

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>A batch of new events, from the journal's delivery loop.</summary>
    public void OnBatch(SseEvent[] events)
    {
        if (IsDisposed)
        {
            return;
        }

        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            if (!_live)
            {
                (_pending ??= []).Add(new Pending(events, null, false));
                return;
            }
        }

        Emit(events);
    }

    /// <summary>The journal or its source ended (<paramref name="error"/> null: completion), from the delivery loop.</summary>
    public void OnTerminal(Exception? error)
    {
        if (IsDisposed)
        {
            return;
        }

        lock (_lock)
        {
            if (_ended)
            {
                return;
            }

            if (!_live)
            {
                (_pending ??= []).Add(new Pending(null, error, true));
                return;
            }

            _ended = true;
        }

        End(error);
    }

    public void Start(ReaderPlan plan)
    {
        switch (plan.Kind)
        {
            case ReaderPlanKind.State:
                SendState(plan);
                break;
            case ReaderPlanKind.Replay:
                _position = plan.Position;
                Resolve(new ResumeOutcome(ResumeSource.Journal, plan.Events.Length));
                Emit(plan.Events);
                GoLive();
                break;
            default:
                Debug.Assert(plan.Kind == ReaderPlanKind.History, "The journal plans a state, a replay or a history read.");
                if (plan.Through is { } through)
                {
                    StartHistory(through, plan.States);
                }

                // Otherwise the journal calls StartHistory when its first batch arrives.
                break;
        }
    }

    /// <summary>Readies a history read; called under the journal's lock, before the reader can be reached by a batch.</summary>
    internal void Prepare(ReaderPlan plan)
    {
        journal.AssertLockHeld();
        if (plan.Kind == ReaderPlanKind.History)
        {
            _cursor = plan.Position!.Value;
            _historyCancellation = new CancellationTokenSource();
        }
    }

    /// <summary>Reads the store after the cursor up to <paramref name="through"/>, then goes live.</summary>
    internal void StartHistory(SseEventId through, SseEvent[] states)
    {
        if (_historyCancellation is { } cancellation && !IsDisposed)
        {
            _ = ReplayHistoryAsync(_cursor, through, states, cancellation.Token);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        journal.Remove(this);
        _historyCancellation?.Cancel();
    }

    private async Task ReplayHistoryAsync(SseEventId cursor, SseEventId through, SseEvent[] states, CancellationToken cancellationToken)
    {
        try
        {
            var options = journal.Options;
            IReadOnlyList<SseEvent>? stored;
            try
            {
                stored = await options.History!.ReadAsync(cursor, through, options.MaxHistoryEvents, cancellationToken)
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure of the store means "cannot resume from here": the client resyncs, never errors.
            catch (Exception)
#pragma warning restore CA1031
            {
                stored = null;
            }

            if (IsDisposed)
            {
                return;
            }

            if (stored is null)
            {
                Resync(ResyncReasons.Unknown);
                return;
            }

            var entries = InRange(stored, cursor, through);

            // A full answer that stops short of the journal's position cannot vouch for what lies between.
            if (stored.Count >= options.MaxHistoryEvents && (entries.Count == 0 || entries[^1].Id < through))
            {
                Resync(ResyncReasons.TooOld);
                return;
            }

            _position = cursor;
            var replay = EventJournal.Merge(entries, states);
            Resolve(new ResumeOutcome(ResumeSource.History, replay.Count));
            Emit(replay);
            _position = Max(_position, through);
            GoLive();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested || IsDisposed)
        {
        }
#pragma warning disable CA1031 // The replay runs detached; a pipeline that throws ends this connection only.
        catch (Exception)
#pragma warning restore CA1031
        {
            Dispose();
        }
    }

    /// <summary>The store's answer, keeping only entries inside the range and in order, so a faulty store cannot break the order.</summary>
    private static List<SseEvent> InRange(IReadOnlyList<SseEvent> stored, SseEventId after, SseEventId through)
    {
        var entries = new List<SseEvent>(stored.Count);
        var last = after;
        foreach (var value in stored)
        {
            if (value is not null && value.Id > last && value.Id <= through && value.Id.IsEntry)
            {
                entries.Add(value);
                last = value.Id;
            }
        }

        return entries;
    }

    private void Resync(string reason)
    {
        _position = null;
        SendState(journal.CurrentStatePlan(reason));
    }

    /// <summary>
    /// Sends the resync, if any, then the current state, then goes live from the journal's position. The resync's id
    /// is for the client only: it does not move the reader's position, so nothing the journal appends later is skipped.
    /// </summary>
    private void SendState(ReaderPlan plan)
    {
        Resolve(plan.Resync is { } made
            ? new ResumeOutcome(ResumeSource.Resync, plan.Events.Length + 1, (made.Payload as ResyncData)?.Reason ?? plan.ResyncReason)
            : new ResumeOutcome(plan.Source ?? ResumeSource.Journal, plan.Events.Length));
        if (plan.Resync is { } resync && !IsDisposed)
        {
            observer.OnNext(resync);
        }

        Emit(plan.Events);
        _position = Max(_position, plan.Position);
        GoLive();
    }

    /// <summary>
    /// Sends what arrived during the replay, then switches to live under the lock once nothing is left, so the next
    /// batch goes straight from the delivery loop to the observer.
    /// </summary>
    private void GoLive()
    {
        while (true)
        {
            List<Pending>? pending;
            lock (_lock)
            {
                if (IsDisposed || _ended)
                {
                    return;
                }

                pending = _pending;
                _pending = null;
                if (pending is null)
                {
                    _live = true;
                    return;
                }
            }

            foreach (var item in pending)
            {
                if (item.IsTerminal)
                {
                    lock (_lock)
                    {
                        _ended = true;
                    }

                    End(item.Error);
                    return;
                }

                Emit(item.Events!);
            }
        }
    }

    private void Emit(IReadOnlyList<SseEvent> events)
    {
        // Indexed, not foreach: enumerating an array through the interface allocates an enumerator, which would be one
        // allocation per reader per batch on the fan-out path.
        for (var i = 0; i < events.Count; i++)
        {
            var value = events[i];
            if (IsDisposed)
            {
                return;
            }

            if (_position is not { } position || value.Id > position)
            {
                _position = value.Id;
                observer.OnNext(value);
            }
        }
    }

    private void End(Exception? error)
    {
        if (IsDisposed)
        {
            return;
        }

        if (error is null)
        {
            observer.OnCompleted();
        }
        else
        {
            observer.OnError(error);
        }
    }

    /// <summary>Reports how the id was resolved, once; the callback is the consumer's, so it runs outside any lock and may not fail the stream.</summary>
    private void Resolve(ResumeOutcome outcome)
    {
        if (onResolved is null || IsDisposed)
        {
            return;
        }

        try
        {
            onResolved(outcome);
        }
#pragma warning disable CA1031 // Telemetry must not end a stream.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static SseEventId? Max(SseEventId? left, SseEventId? right) =>
        left is not { } l ? right : right is not { } r ? left : l >= r ? l : r;

    private readonly record struct Pending(SseEvent[]? Events, Exception? Error, bool IsTerminal);
}
