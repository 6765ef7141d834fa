using System.Diagnostics;
using System.Globalization;
using System.Reactive.Concurrency;

namespace SseRx;

/// <summary>
/// An <see cref="IEntryLog{TEntry}"/> held in memory, which stamps each entry's position itself: the store to give an
/// <see cref="SseFeed{TEntry}"/> when the entries live in the process (a demo, a test, data that need not outlive it).
/// </summary>
/// <typeparam name="TEntry">The entry type. An entry carries the position it was created with (see <see cref="Add(Func{SseEventId, TEntry})"/>).</typeparam>
/// <remarks>
/// <para>
/// <b>Positions.</b> <see cref="Add(Func{SseEventId, TEntry})"/> stamps a position and creates the entry with it, under
/// the log's lock: the time is the scheduler's now, never earlier than the last stamp (times never go back), and the key
/// is the entry's sequence number, zero-padded to 16 digits (<c>0000000000000001</c>, ...) so that keys of one
/// millisecond sort as numbers. <see cref="Add(string, Func{SseEventId, TEntry})"/> takes the key from you instead.
/// A position is never at or before one a read has covered (what a read returned, up to its range's end, though not past
/// the current millisecond): if the clock is behind it (a clock stepped back), the entry is stamped later instead, so
/// a feed never reads past a place an entry can still appear. Positions are unique.
/// </para>
/// <para>
/// <b>What it holds.</b> Every entry added since it was created, less those dropped: an entry leaves once its timestamp
/// is <see cref="InMemoryEntryLogOptions.Retention"/> old (checked on every call, as the clock moves), and the oldest
/// leaves when an add would exceed <see cref="InMemoryEntryLogOptions.MaxEntries"/>. <see cref="HoldsEverythingAfter"/>
/// answers <see langword="false"/> for a cursor before the log was created (a previous process's) or before the newest
/// entry dropped, so such a client gets a <c>resync</c>, never a silent gap.
/// </para>
/// <para>
/// <b>Costs.</b> An add is O(log n) and allocates the key; an entry with your key that sorts before others of the same
/// millisecond also shifts those. A read is O(log n + k) for k entries returned, and copies them into a new array.
/// Dropping is amortised O(1) per entry. Memory: one slot (position and entry) per entry held, at most
/// <see cref="InMemoryEntryLogOptions.MaxEntries"/>.
/// </para>
/// <para>
/// <b>Thread-safety.</b> All members are thread-safe: adds, the feed's polls and resumes' reads may run concurrently. During an
/// add, the entry factory and the position function run under the log's lock, so keep them short (a constructor call)
/// and do not call the log from them. Holds no unmanaged resources; nothing to dispose.
/// </para>
/// </remarks>
public sealed class InMemoryEntryLog<TEntry> : IEntryLog<TEntry>
{
    // Sequence keys: 16 digits keep ids short and are enough for 10 million adds a second for 31 years.
    private const long MaxSequence = 9_999_999_999_999_999;

    private readonly IScheduler _scheduler;
    private readonly Func<TEntry, SseEventId> _positionOf;
    private readonly TimeSpan _retention;
    private readonly int _maxEntries;

    // Everything below is guarded by _gate.
    private readonly Lock _gate = new();
    private readonly SortedEntries<TEntry> _entries = new();
    private long _sequence;
    private long _lastStampMilliseconds;

    // The furthest position a read has covered: no entry may land at or before it.
    private SseEventId _covered = SseEventId.Initial;

    // The log holds every entry ever added after this position: its creation, then the newest entry dropped.
    private SseEventId _holdsAfter;

    // Set while the factory runs, to refuse a call back into the log from it (the lock lets the same thread in).
    private bool _creating;

    /// <summary>Creates an empty log whose clock is <paramref name="scheduler"/>.</summary>
    /// <param name="scheduler">The clock positions are stamped with; give the feed the same one.</param>
    /// <param name="positionOf">
    /// The position an entry carries (<see cref="IEntryLog{TEntry}.PositionOf"/>), for example
    /// <c>review =&gt; review.Position</c>. It must return the position the entry was created with.
    /// </param>
    /// <param name="options">The visibility delay and the bounds; validated and read once here. Default: the defaults of <see cref="InMemoryEntryLogOptions"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="scheduler"/> or <paramref name="positionOf"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public InMemoryEntryLog(IScheduler scheduler, Func<TEntry, SseEventId> positionOf, InMemoryEntryLogOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(positionOf);
        options ??= new InMemoryEntryLogOptions();
        options.Validate();
        _scheduler = scheduler;
        _positionOf = positionOf;
        _retention = options.Retention;
        _maxEntries = options.MaxEntries;
        VisibilityDelay = options.VisibilityDelay;
        _holdsAfter = SseEventId.AtTime(scheduler.Now);
    }

    /// <inheritdoc />
    /// <remarks>See <see cref="InMemoryEntryLogOptions.VisibilityDelay"/>; default 50 milliseconds.</remarks>
    public TimeSpan VisibilityDelay { get; }

    /// <summary>How many entries the log holds now (entries past the retention are dropped first).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                Trim(_scheduler.Now);
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// Stamps a position, creates the entry with it and stores it, all under the log's lock; the key is the entry's
    /// sequence number, zero-padded to 16 digits.
    /// </summary>
    /// <param name="create">
    /// Makes the entry from its position, for example <c>position =&gt; new Review(position.Key, ..., position.Timestamp)</c>.
    /// Runs under the log's lock: keep it short and do not call the log from it.
    /// </param>
    /// <returns>The entry stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="create"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="create"/> returned <see langword="null"/>, or an entry whose position is not the one it was given.
    /// Nothing is stored; an exception <paramref name="create"/> throws propagates the same way.
    /// </exception>
    /// <exception cref="InvalidOperationException">Called from the factory or the position function of an add in progress.</exception>
    public TEntry Add(Func<SseEventId, TEntry> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        return AddCore(key: null, create);
    }

    /// <summary>
    /// Stamps a position with your <paramref name="key"/> (an item id, say), creates the entry with it and stores it,
    /// all under the log's lock. If that key is already held at the millisecond stamped, the entry is stamped a
    /// millisecond later, so positions stay unique.
    /// </summary>
    /// <param name="key">The position's key: see <see cref="SseEventId.IsEntryKey"/> (it must not start with <c>~</c>).</param>
    /// <param name="create">Makes the entry from its position. Runs under the log's lock: keep it short and do not call the log from it.</param>
    /// <returns>The entry stored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="create"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="key"/> is not a valid entry key; or <paramref name="create"/> returned <see langword="null"/>, or an
    /// entry whose position is not the one it was given. Nothing is stored.
    /// </exception>
    /// <exception cref="InvalidOperationException">Called from the factory or the position function of an add in progress.</exception>
    public TEntry Add(string key, Func<SseEventId, TEntry> create)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(create);
        if (!SseEventId.IsEntryKey(key))
        {
            throw new ArgumentException(
                $"An entry key holds 1 to {SseEventId.MaxKeyLength} characters from [A-Za-z0-9._:~-] and does not start with '~'.", nameof(key));
        }

        return AddCore(key, create);
    }

    /// <inheritdoc />
    /// <remarks>
    /// True for a cursor at or after the log's creation and at or after the newest entry dropped (by retention or
    /// <see cref="InMemoryEntryLogOptions.MaxEntries"/>).
    /// </remarks>
    public bool HoldsEverythingAfter(SseEventId after)
    {
        lock (_gate)
        {
            Trim(_scheduler.Now);
            return after >= _holdsAfter;
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentNullException"><paramref name="entry"/> is <see langword="null"/>.</exception>
    public SseEventId PositionOf(TEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return _positionOf(entry);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Completes synchronously, with a new array. The read covers its range up to <see cref="EntryRange.Through"/> (not past
    /// the current millisecond): no entry is added at or before that afterwards.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The range's maximum is negative.</exception>
    /// <exception cref="InvalidOperationException">Called from the factory or the position function of an add in progress.</exception>
    public ValueTask<IReadOnlyList<TEntry>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(range.MaxEntries, nameof(range));
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<IReadOnlyList<TEntry>>(cancellationToken);
        }

        lock (_gate)
        {
            ThrowIfCreating();
            var now = _scheduler.Now;
            Trim(now);

            // Past the current millisecond (or the last stamp, if the clock is behind it) nothing was there to promise;
            // up to it, a reader may take the answer as final.
            var horizon = SseEventId.Settled(
                DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(now.ToUnixTimeMilliseconds(), _lastStampMilliseconds)));
            var covered = range.Through < horizon ? range.Through : horizon;
            if (covered > _covered)
            {
                _covered = covered;
            }

            return ValueTask.FromResult<IReadOnlyList<TEntry>>(_entries.Read(range));
        }
    }

    private TEntry AddCore(string? key, Func<SseEventId, TEntry> create)
    {
        lock (_gate)
        {
            ThrowIfCreating();
            var now = _scheduler.Now;
            Trim(now);

            var sequence = key is null ? _sequence + 1 : _sequence;
            if (sequence > MaxSequence)
            {
                throw new InvalidOperationException($"The log has stamped {MaxSequence} sequence keys; it has no more.");
            }

            var position = Stamp(now, key ?? sequence.ToString("D16", CultureInfo.InvariantCulture));
            TEntry entry;
            SseEventId carried;
            _creating = true;
            try
            {
                entry = create(position);
                if (entry is null)
                {
                    throw new ArgumentException("The entry factory returned null.", nameof(create));
                }

                carried = _positionOf(entry);
            }
            finally
            {
                _creating = false;
            }

            if (carried != position)
            {
                throw new ArgumentException(
                    $"The entry factory was given position {position}, but the entry's position (positionOf) is {carried}: " +
                    "create the entry with the position it is given.",
                    nameof(create));
            }

            _entries.Insert(position, entry);
            _sequence = sequence;
            _lastStampMilliseconds = position.UnixMilliseconds;
            if (_entries.Count > _maxEntries)
            {
                DropOldest();
            }

            return entry;
        }
    }

    /// <summary>
    /// The position of a new entry with <paramref name="key"/>: at now, never before the last stamp, after everything a read
    /// has covered, and not held yet.
    /// </summary>
    private SseEventId Stamp(DateTimeOffset now, string key)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "Stamping and storing happen under one lock.");
        var position = new SseEventId(Math.Max(now.ToUnixTimeMilliseconds(), _lastStampMilliseconds), key);
        if (position <= _covered)
        {
            // The clock is behind what a reader has read (it was stepped back): stamp just after that instead.
            position = new SseEventId(_covered.UnixMilliseconds + 1, key);
        }

        // Taken (a key of yours used twice in a millisecond): the next millisecond, after every stamp so far.
        return _entries.Contains(position) ? new SseEventId(position.UnixMilliseconds + 1, key) : position;
    }

    /// <summary>Drops the entries whose timestamp is a retention old.</summary>
    private void Trim(DateTimeOffset now)
    {
        Debug.Assert(_gate.IsHeldByCurrentThread, "The entries are changed under the log's lock only.");
        if (now - DateTimeOffset.UnixEpoch <= _retention)
        {
            return;
        }

        var cutoff = (now - _retention).ToUnixTimeMilliseconds();
        while (_entries.Count > 0 && _entries.Oldest.UnixMilliseconds <= cutoff)
        {
            DropOldest();
        }
    }

    /// <summary>Drops the oldest entry: the log no longer holds everything after a cursor before it.</summary>
    private void DropOldest()
    {
        var dropped = _entries.RemoveOldest();
        if (dropped > _holdsAfter)
        {
            _holdsAfter = dropped;
        }
    }

    private void ThrowIfCreating()
    {
        if (_creating)
        {
            throw new InvalidOperationException("The entry factory or the position function called the log: they run under its lock and must not.");
        }
    }
}
