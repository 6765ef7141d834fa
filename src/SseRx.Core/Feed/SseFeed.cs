using System.Diagnostics.CodeAnalysis;
using System.Reactive.Concurrency;

namespace SseRx;

/// <summary>
/// Polls an <see cref="IEntryLog{TEntry}"/> and turns what settled since the last poll into batches of events: one
/// event per entry, in position order, then the state events of its <see cref="SseFeedOptions{TEntry}.Projection"/>.
/// </summary>
/// <typeparam name="TEntry">The entry type.</typeparam>
/// <remarks>
/// <para>
/// Each poll at time <c>T</c> reads the entries after the feed's position up to the watermark
/// <c>T - VisibilityDelay</c> (exclusive of its millisecond), which every reader sees alike: see
/// <c>docs/event-ids-and-resume.md</c>. The first poll builds the projection from the last
/// <see cref="IStateProjection{TEntry}.Window"/> of entries and emits the most recent
/// <see cref="SseFeedOptions{TEntry}.RecentEntries"/> entries and the whole state; later polls emit what is new.
/// A failed poll emits nothing and backs off as <see cref="SseFeedOptions{TEntry}.Poll"/> says.
/// </para>
/// <para>
/// The position and the projection belong to the feed, not to a subscription, and advance when a batch is handed to a
/// subscriber. Each subscription polls; give the feed to one journal (<see cref="SseObservable.ToJournal(IObservable{SseBatch}, JournalOptions, IScheduler)"/>),
/// which subscribes while it has readers. If two subscriptions overlap (a journal's hand-over), their batches are
/// applied one at a time and only what is after the feed's position counts, so nothing is emitted twice.
/// </para>
/// <para>
/// Mapping entries to events happens on the polling thread; the projection and the subscriber are called by one thread
/// at a time and never under a lock. All members are thread-safe. The feed holds no resources of its own: disposing its
/// subscriptions stops all work.
/// </para>
/// </remarks>
public sealed class SseFeed<TEntry> : IObservable<SseBatch>
{
    private readonly IEntryLog<TEntry> _log;
    private readonly Func<TEntry, SseEvent> _toEvent;
    private readonly IStateProjection<TEntry>? _projection;
    private readonly PollOptions _poll;
    private readonly IScheduler _scheduler;
    private readonly PollHealth? _health;
    private readonly int _recentEntries;
    private readonly TimeSpan _recentWindow;
    private readonly int _maxEntriesPerPoll;
    private readonly Action<TEntry, SseEventId>? _onLateEntry;
    private readonly TimeSpan _lookback;
    private long _fetches;
    private long _skipped;
    private long _late;

    // Room in a poll's read for entries behind the position that it has not seen before.
    private const int LateAllowance = 100;

    // The positions emitted (or counted) within the lookback before the position, so that an entry that turns up there
    // later can be told apart: touched only by the thread that drains the commit queue.
    private readonly HashSet<SseEventId> _recent = [];
    private readonly Queue<SseEventId> _recentOrder = new();

    // How many of those lie within the lookback behind the position: a poll reads that many more, so they never crowd
    // out the new entries it is for. Written by the commit thread, read by the polling thread.
    private int _knownBehind;

    // The commit queue and its drain flag, under _commitGate. The position and the projection are touched only by the
    // thread that drains it.
    private readonly Lock _commitGate = new();
    private readonly Queue<(Read Read, IObserver<SseBatch> Observer)> _commits = new();
    private bool _committing;
    private SseEventId? _position;

    /// <summary>Creates a feed. Nothing is polled until it has a subscriber.</summary>
    /// <param name="log">The store to poll.</param>
    /// <param name="options">What to emit and how to poll; validated and read once here.</param>
    /// <param name="scheduler">The scheduler the polls run on, and the clock the watermark is taken from.</param>
    /// <param name="health">Receives the poller's health, if given.</param>
    /// <exception cref="ArgumentNullException">An argument or <see cref="SseFeedOptions{TEntry}.ToEvent"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public SseFeed(IEntryLog<TEntry> log, SseFeedOptions<TEntry> options, IScheduler scheduler, PollHealth? health = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(log.VisibilityDelay, TimeSpan.Zero, nameof(log));
        _log = log;
        _toEvent = options.ToEvent!;
        _projection = options.Projection;
        _poll = options.Poll;
        _scheduler = scheduler;
        _health = health;
        _recentEntries = options.RecentEntries;
        _recentWindow = options.RecentWindow;
        _maxEntriesPerPoll = options.MaxEntriesPerPoll;
        _onLateEntry = options.OnLateEntry;
        _lookback = options.LateEntryLookback ?? (log.VisibilityDelay + options.Poll.Interval);
    }

    /// <summary>How many times the store has been polled (failed polls included): one per interval however many connections listen.</summary>
    public long FetchCount => Interlocked.Read(ref _fetches);

    /// <summary>How many entries were skipped because their event could not be made or had another id than the entry's position.</summary>
    public long SkippedEntries => Interlocked.Read(ref _skipped);

    /// <summary>
    /// How many entries turned up behind the feed's position: readable later than the store's visibility delay after
    /// their timestamp, after every poll had passed them. They are not sent (no cursor could account for them); see
    /// <see cref="SseFeedOptions{TEntry}.OnLateEntry"/> and <c>docs/event-ids-and-resume.md</c>. Should stay 0; if not,
    /// raise the store's visibility delay or fix the writer.
    /// </summary>
    public long LateEntries => Interlocked.Read(ref _late);

    /// <summary>Where the feed's emitted batches end, or <see langword="null"/> before the first.</summary>
    public SseEventId? Position
    {
        get
        {
            lock (_commitGate)
            {
                return _position;
            }
        }
    }

    /// <summary>
    /// The history a journal reads when a client resumes from a cursor older than it holds: the same store, the same
    /// events (<see cref="JournalOptions.History"/>).
    /// </summary>
    public IEventHistory History() => new EntryLogHistory<TEntry>(_log, _toEvent);

    /// <summary>Starts polling for <paramref name="observer"/>; disposing the subscription stops it (a fetch in flight is cancelled).</summary>
    /// <param name="observer">Receives a batch per poll that read something new or advanced the watermark; never completes.</param>
    public IDisposable Subscribe(IObserver<SseBatch> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return SseObservable.Poll(FetchAsync, _poll, _health, _scheduler).Subscribe(new Run(this, observer));
    }

    /// <summary>Maps an entry to its event; false when mapping throws or the event's id is not the entry's position.</summary>
    internal static bool TryMap(
        Func<TEntry, SseEvent> toEvent, IEntryLog<TEntry> log, TEntry entry, [NotNullWhen(true)] out SseEvent? value)
    {
        try
        {
            value = toEvent(entry);
            return value is not null && value.Id == log.PositionOf(entry) && value.Id.IsEntry;
        }
#pragma warning disable CA1031 // One entry that cannot be mapped must not end the shared stream.
        catch (Exception)
#pragma warning restore CA1031
        {
            value = null;
            return false;
        }
    }

    /// <summary>The watermark at <paramref name="now"/>: the last whole millisecond every entry of which is visible.</summary>
    internal static DateTimeOffset WatermarkAt(DateTimeOffset now, TimeSpan visibilityDelay) =>
        DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(0, (now - visibilityDelay).ToUnixTimeMilliseconds() - 1));

    /// <summary>The watermark <paramref name="span"/> before <paramref name="watermark"/>, or the beginning of time.</summary>
    private static SseEventId SettledBefore(DateTimeOffset watermark, TimeSpan span) =>
        watermark - DateTimeOffset.UnixEpoch > span ? SseEventId.Settled(watermark - span) : SseEventId.AtTime(DateTimeOffset.UnixEpoch);

    // async, so a log that throws synchronously still makes a failed poll rather than an error.
    private async Task<Read> FetchAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        var watermark = WatermarkAt(_scheduler.Now, _log.VisibilityDelay);
        var settled = SseEventId.Settled(watermark);
        SseEventId? from;
        lock (_commitGate)
        {
            from = _position;
        }

        if (from is not { } after)
        {
            return await BootstrapAsync(watermark, settled, cancellationToken).ConfigureAwait(false);
        }

        if (after >= settled)
        {
            return new Read(after, after, watermark, [], [], Bootstrap: false, Truncated: true);
        }

        // The read reaches back behind the position, to notice entries that became readable too late.
        var lookback = _lookback > TimeSpan.Zero ? SettledBefore(after.Timestamp, _lookback) : after;
        var max = lookback < after ? _maxEntriesPerPoll + Volatile.Read(ref _knownBehind) + LateAllowance : _maxEntriesPerPoll;
        var range = new EntryRange(lookback < after ? lookback : after, settled, max);
        var read = await _log.ReadAsync(range, cancellationToken).ConfigureAwait(false);
        var all = WithPositions(read, range);
        var behind = all.FindIndex(e => e.Position > after);
        var entries = behind < 0 ? [] : all.GetRange(behind, all.Count - behind);
        var looked = behind < 0 ? all : all.GetRange(0, behind);
        if (entries.Count > _maxEntriesPerPoll)
        {
            entries.RemoveRange(_maxEntriesPerPoll, entries.Count - _maxEntriesPerPoll);
        }

        // A full read may have stopped short of the range's end: the next poll continues after what it got.
        var truncated = read.Count >= max || entries.Count >= _maxEntriesPerPoll;
        var through = !truncated ? settled : entries.Count > 0 ? entries[^1].Position : after;
        return new Read(after, through, watermark, entries, Map(entries), Bootstrap: false, truncated) { Behind = looked };
    }

    /// <summary>The first poll: the projection's window of entries, and the most recent ones to emit.</summary>
    private async Task<Read> BootstrapAsync(DateTimeOffset watermark, SseEventId settled, CancellationToken cancellationToken)
    {
        var window = _projection?.Window ?? TimeSpan.Zero;
        var applied = new List<Positioned>();
        if (window > TimeSpan.Zero)
        {
            // Page through the window oldest first: the projection needs all of it.
            var range = new EntryRange(SettledBefore(watermark, window), settled, _maxEntriesPerPoll);
            while (true)
            {
                var page = await _log.ReadAsync(range, cancellationToken).ConfigureAwait(false);
                var entries = WithPositions(page, range);
                applied.AddRange(entries);
                if (page.Count < _maxEntriesPerPoll || entries.Count == 0)
                {
                    break;
                }

                range = range with { After = entries[^1].Position };
            }
        }

        // The entries a later poll looks back over, so that it can tell a late one from one already counted.
        var known = applied;
        if (window < _lookback)
        {
            var range = new EntryRange(SettledBefore(watermark, _lookback), settled, int.MaxValue);
            known = WithPositions(await _log.ReadAsync(range, cancellationToken).ConfigureAwait(false), range);
        }

        var recentStart = SettledBefore(watermark, _recentWindow);
        List<Positioned> recent = [];
        if (_recentEntries > 0)
        {
            if (window >= _recentWindow)
            {
                recent = applied.Where(e => e.Position > recentStart).TakeLast(_recentEntries).ToList();
            }
            else
            {
                var range = new EntryRange(recentStart, settled, _recentEntries, NewestFirst: true);
                var newest = await _log.ReadAsync(range, cancellationToken).ConfigureAwait(false);
                recent = WithPositions([.. newest.Reverse()], range);
            }
        }

        // The run of entries the batch vouches for: all of the recent window, or from the oldest recent entry if there
        // were more than it keeps.
        var covers = _recentEntries == 0 ? settled : recent.Count >= _recentEntries ? recent[0].Position : recentStart;
        if (!_log.HoldsEverythingAfter(covers))
        {
            // A store that cannot vouch that far back (a fresh in-memory store) makes the batch vouch for nothing before
            // its end: an older cursor then goes to the history, which says what it can answer.
            covers = settled;
        }

        return new Read(covers < settled ? covers : settled, settled, watermark, applied, Map(recent), Bootstrap: true, Truncated: false)
        {
            Known = known,
        };
    }

    /// <summary>
    /// The entries of a read with their positions, in order, skipping (and counting) any a faulty store returned that
    /// has no position, lies outside the range or is out of order: a bad row must not end the shared stream.
    /// </summary>
    private List<Positioned> WithPositions(IReadOnlyList<TEntry> entries, EntryRange range)
    {
        var positioned = new List<Positioned>(entries.Count);
        var last = range.After;
        foreach (var entry in entries)
        {
            SseEventId position;
            try
            {
                position = _log.PositionOf(entry);
            }
#pragma warning disable CA1031 // As above: skip the row, keep the stream.
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _skipped);
                continue;
            }

            if (position.IsEntry && position > last && position <= range.Through)
            {
                positioned.Add(new Positioned(entry, position));
                last = position;
            }
            else
            {
                Interlocked.Increment(ref _skipped);
            }
        }

        return positioned;
    }

    private List<SseEvent> Map(List<Positioned> entries)
    {
        var events = new List<SseEvent>(entries.Count);
        foreach (var (entry, _) in entries)
        {
            if (TryMap(_toEvent, _log, entry, out var value))
            {
                events.Add(value);
            }
            else
            {
                Interlocked.Increment(ref _skipped);
            }
        }

        return events;
    }

    /// <summary>Queues a read for commit; the thread that finds no commit running drains the queue.</summary>
    private void Commit(Read read, IObserver<SseBatch> observer)
    {
        lock (_commitGate)
        {
            _commits.Enqueue((read, observer));
            if (_committing)
            {
                return;
            }

            _committing = true;
        }

        while (true)
        {
            (Read Read, IObserver<SseBatch> Observer) next;
            lock (_commitGate)
            {
                if (!_commits.TryDequeue(out next))
                {
                    _committing = false;
                    return;
                }
            }

            SseBatch? batch;
            try
            {
                batch = Apply(next.Read);
            }
            catch (Exception error)
            {
                next.Observer.OnError(error);
                continue;
            }

            if (batch is not null)
            {
                next.Observer.OnNext(batch);
            }
        }
    }

    /// <summary>Applies a read to the projection and the position; the batch to emit, or null when nothing is new.</summary>
    private SseBatch? Apply(Read read)
    {
        var position = _position;
        // Only what the set still covers: one lookback behind the position (a stale read may reach further back).
        var remembered = position is { } from ? from.Timestamp - _lookback : DateTimeOffset.MaxValue;
        foreach (var (entry, at) in read.Behind)
        {
            if (at.Timestamp >= remembered && !_recent.Contains(at))
            {
                // Readable only after every poll had passed its position: no cursor can account for it now.
                Remember(at);
                Interlocked.Increment(ref _late);
                _onLateEntry?.Invoke(entry, at);
            }
        }

        if (position is { } current && (read.Bootstrap || read.Through <= current))
        {
            // Another subscription got there first (its batches already cover this one), or a read full of entries
            // behind the position made no progress: the next one reads further.
            CountKnownBehind(current);
            return null;
        }

        var events = new List<SseEvent>(read.Events.Count + 4);
        foreach (var value in read.Events)
        {
            if (position is not { } p || value.Id > p)
            {
                events.Add(value);
            }
        }

        if (_projection is { } projection)
        {
            foreach (var (entry, at) in read.Entries)
            {
                if (position is not { } p || at > p)
                {
                    projection.Apply(entry);
                }
            }

            if (!read.Truncated)
            {
                var changes = new List<SseEvent>();
                projection.Collect(read.Watermark, changes);
                changes.Sort(static (a, b) => a.Id.CompareTo(b.Id));
                foreach (var change in changes)
                {
                    // A state id must sit at this watermark, or the stream's order (and every cursor) would break.
                    if (change.Id.StateKey is not null && change.Id.UnixMilliseconds == read.Watermark.ToUnixTimeMilliseconds() &&
                        (events.Count == 0 || change.Id > events[^1].Id))
                    {
                        events.Add(change);
                    }
                }
            }
        }

        foreach (var (_, at) in read.Entries)
        {
            if (position is not { } p || at > p)
            {
                Remember(at);
            }
        }

        var through = events.Count > 0 && events[^1].Id > read.Through ? events[^1].Id : read.Through;
        foreach (var (_, at) in read.Known)
        {
            Remember(at);
        }

        Forget(through.Timestamp - _lookback);
        CountKnownBehind(through);
        var after = position ?? read.After;
        lock (_commitGate)
        {
            _position = through;
        }

        return new SseBatch(after is { } a && a <= through ? a : through, through, events);
    }

    private void CountKnownBehind(SseEventId position)
    {
        var from = position.Timestamp - _lookback;
        Volatile.Write(ref _knownBehind, _recent.Count(p => p.Timestamp >= from));
    }

    private void Remember(SseEventId position)
    {
        if (_recent.Add(position))
        {
            _recentOrder.Enqueue(position);
        }
    }

    /// <summary>Forgets positions older than any later read looks back to, so the set holds about one lookback of entries.</summary>
    private void Forget(DateTimeOffset before)
    {
        while (_recentOrder.TryPeek(out var oldest) && oldest.Timestamp < before)
        {
            _recent.Remove(_recentOrder.Dequeue());
        }
    }

    /// <summary>What one poll read, before it is applied.</summary>
    private sealed record Read(
        SseEventId? After,
        SseEventId Through,
        DateTimeOffset Watermark,
        List<Positioned> Entries,
        List<SseEvent> Events,
        bool Bootstrap,
        bool Truncated)
    {
        /// <summary>What the read found at or before the position it started from: known entries, or late ones.</summary>
        public List<Positioned> Behind { get; init; } = [];

        /// <summary>For the first poll: the entries of the last visibility delay, which later polls look back over.</summary>
        public List<Positioned> Known { get; init; } = [];
    }

    /// <summary>An entry and its position.</summary>
    private readonly record struct Positioned(TEntry Entry, SseEventId Position);

    /// <summary>One subscription: forwards each successful poll to the commit queue.</summary>
    private sealed class Run(SseFeed<TEntry> feed, IObserver<SseBatch> observer) : IObserver<Read>
    {
        public void OnNext(Read value) => feed.Commit(value, observer);

        public void OnError(Exception error) => observer.OnError(error);

        public void OnCompleted() => observer.OnCompleted();
    }
}
