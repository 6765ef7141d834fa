using SseRx.Sentiment;

namespace SseRx;

/// <summary>
/// One subscription to <see cref="EventJournal.ResumeFrom"/>: replays its snapshot, queues the live events that
/// arrive meanwhile, then switches to forwarding live events directly.
/// </summary>
/// <remarks>
/// The fields marked "under the gate" are read and written only under the journal's lock, which is what makes
/// the switch from replay to live atomic with respect to appends. The replay itself runs outside the lock, on
/// the subscribing thread (or on the thread that completes a history read), and the observer is never called
/// concurrently: live events are queued until the replay thread has drained them and flipped to live.
/// </remarks>
internal sealed class JournalReader(EventJournal journal, IObserver<SseEvent> observer) : IDisposable
{
    /// <summary>This reader's index in the journal's reader slots, or -1 when not registered (guarded by the journal's lock).</summary>
    internal int Slot = -1;

    // Under the gate.
    private bool _live;
    private List<SseEvent>? _pending;
    private bool _terminated;
    private Exception? _error;

    private int _disposed;

    // Cancelled, never disposed: it has no timer or links to release, and the store may still hold its token.
    private CancellationTokenSource? _historyCancellation;

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Called under the gate, in append order.</summary>
    public void OnLive(SseEvent value)
    {
        if (IsDisposed)
        {
            return;
        }

        if (_live)
        {
            observer.OnNext(value);
        }
        else
        {
            (_pending ??= []).Add(value);
        }
    }

    /// <summary>Called under the gate, after the reader has been removed from the journal.</summary>
    public void OnTerminal(Exception? error)
    {
        if (IsDisposed || _terminated)
        {
            return;
        }

        _terminated = true;
        _error = error;
        if (_live)
        {
            Deliver(error);
        }
    }

    public void Start(ResumePlan plan, IEventHistory? history, int maxHistoryEvents)
    {
        switch (plan.Kind)
        {
            case ResumeKind.Replay:
                ReplayThenGoLive(plan.Events);
                break;
            case ResumeKind.Resync:
                ResyncThenGoLive(plan, plan.Reason!, emittedIds: null);
                break;
            default:
                _historyCancellation = new CancellationTokenSource();
                _ = ReplayHistoryThenGoLiveAsync(plan, history!, maxHistoryEvents, _historyCancellation.Token);
                break;
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

    private void ReplayThenGoLive(SseEvent[] events)
    {
        foreach (var value in events)
        {
            if (IsDisposed)
            {
                return;
            }

            observer.OnNext(value);
        }

        GoLive(emittedIds: null, events);
    }

    private void ResyncThenGoLive(ResumePlan plan, string reason, HashSet<SseEventId>? emittedIds)
    {
        var resync = SentimentEvents.Resync(plan.ResumePoint, reason);
        SseEvent[] replayed = plan.LatestMetrics is { } metrics ? [resync, metrics] : [resync];
        ReplayThenGoLive(replayed, emittedIds);
    }

    private void ReplayThenGoLive(SseEvent[] events, HashSet<SseEventId>? emittedIds)
    {
        if (emittedIds is null)
        {
            ReplayThenGoLive(events);
            return;
        }

        foreach (var value in events)
        {
            if (IsDisposed)
            {
                return;
            }

            emittedIds.Add(value.Id);
            observer.OnNext(value);
        }

        GoLive(emittedIds, replayed: []);
    }

    private async Task ReplayHistoryThenGoLiveAsync(
        ResumePlan plan, IEventHistory history, int maxHistoryEvents, CancellationToken cancellationToken)
    {
        IReadOnlyList<SseEvent>? stored;
        try
        {
            stored = await history.ReadAfterAsync(plan.Cursor, maxHistoryEvents, cancellationToken).ConfigureAwait(false);
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

        // The ids already delivered (including the ones in the resync path's events), so the queued live events
        // that a slow store read overlapped with are not delivered twice.
        var emittedIds = new HashSet<SseEventId>();
        if (stored is null)
        {
            ResyncThenGoLive(plan, ResyncReasons.Unknown, emittedIds);
            return;
        }

        // A full answer that stops below the floor may have missed events the journal has already evicted.
        if (stored.Count >= maxHistoryEvents && stored[^1].Id < plan.Floor)
        {
            ResyncThenGoLive(plan, ResyncReasons.TooOld, emittedIds);
            return;
        }

        var sawMetrics = false;
        foreach (var value in stored)
        {
            if (IsDisposed)
            {
                return;
            }

            if (emittedIds.Add(value.Id))
            {
                sawMetrics |= IsMetrics(value);
                observer.OnNext(value);
            }
        }

        foreach (var value in plan.Events)
        {
            if (IsDisposed)
            {
                return;
            }

            if (emittedIds.Add(value.Id))
            {
                sawMetrics |= IsMetrics(value);
                observer.OnNext(value);
            }
        }

        if (!sawMetrics && plan.LatestMetrics is { } metrics && emittedIds.Add(metrics.Id))
        {
            observer.OnNext(metrics);
        }

        GoLive(emittedIds, replayed: []);
    }

    /// <summary>
    /// Delivers the live events queued during the replay (minus ids the replay carried), then flips to live under
    /// the gate once the queue is empty, so the next append goes straight to the observer.
    /// </summary>
    /// <param name="emittedIds">The ids replayed so far, or <see langword="null"/> to build them from <paramref name="replayed"/> only if needed.</param>
    /// <param name="replayed">The events replayed, when <paramref name="emittedIds"/> is <see langword="null"/>.</param>
    private void GoLive(HashSet<SseEventId>? emittedIds, SseEvent[] replayed)
    {
        while (true)
        {
            List<SseEvent>? batch;
            bool terminated;
            Exception? error;
            lock (journal.Gate)
            {
                if (IsDisposed)
                {
                    return;
                }

                batch = _pending;
                _pending = null;
                if (batch is null)
                {
                    _live = true;
                }

                terminated = _terminated;
                error = _error;
            }

            if (batch is null)
            {
                // A terminal that arrived during the replay was held back until now; one that arrives later is
                // delivered by OnTerminal, since _live is set.
                if (terminated)
                {
                    Deliver(error);
                }

                return;
            }

            emittedIds ??= [.. replayed.Select(static e => e.Id)];
            foreach (var value in batch)
            {
                if (IsDisposed)
                {
                    return;
                }

                if (emittedIds.Add(value.Id))
                {
                    observer.OnNext(value);
                }
            }
        }
    }

    private void Deliver(Exception? error)
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

    private static bool IsMetrics(SseEvent value) =>
        string.Equals(value.Type, SseEventTypes.Metrics, StringComparison.Ordinal);
}
