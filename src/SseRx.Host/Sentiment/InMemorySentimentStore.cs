using System.Reactive.Concurrency;

namespace SseRx.Host.Sentiment;

/// <summary>
/// An in-process store of analysed items: the embedded default that SseRx runs on with no AWS.
/// </summary>
/// <remarks>
/// <para>Keeps the items of the last 24 hours, ordered by position (<see cref="SentimentItem.EventId"/>), so a range
/// read costs O(log n + items returned), not the store's size. An item leaves once its timestamp is 24 hours old;
/// eviction happens on every call, as the clock moves.</para>
/// <para>The clock is the <see cref="IScheduler"/> given to the constructor. An item is visible as soon as it is added;
/// a feed reads only items stamped at least <see cref="VisibilityDelay"/> ago (default 50 ms), so an item stamped just
/// before it is added is never missed. An item stamped at or before a position a reader has already read up to is
/// refused with an exception rather than stored where no reader would find it: stamp items with this store's clock when
/// you add them, as <see cref="SentimentSimulator"/> does when it shares the scheduler.</para>
/// <para>It holds everything added since it was created: a resume from a cursor
/// before that (a previous process's) cannot be answered honestly, and <see cref="HoldsEverythingAfter"/> says so.</para>
/// <para>Thread-safe: writers, the feed and resumes may run concurrently. Holds no unmanaged resources.</para>
/// </remarks>
public sealed class InMemorySentimentStore : IEntryLog<SentimentItem>
{
    /// <summary>How long an item is held: the metrics window.</summary>
    internal static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private readonly IScheduler _scheduler;
    private readonly Lock _gate = new();
    private readonly SortedItemLog _log = new();
    private readonly HashSet<string> _itemIds = new(StringComparer.Ordinal);

    /// <summary>The default <see cref="VisibilityDelay"/>: long enough for a writer to add what it has just stamped.</summary>
    public static readonly TimeSpan DefaultVisibilityDelay = TimeSpan.FromMilliseconds(50);

    // Guarded by _gate: from where the store holds every item ever added, and the furthest any reader has read.
    private SseEventId _knownSince;
    private SseEventId? _readThrough;

    /// <summary>Creates an empty store whose clock is <paramref name="scheduler"/>.</summary>
    /// <param name="scheduler">The clock.</param>
    /// <param name="visibilityDelay">
    /// How long a feed waits before it reads an item (default <see cref="DefaultVisibilityDelay"/>): how far behind now a
    /// writer may stamp the items it adds. A test that writes items late on purpose sets it above that lateness.
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="scheduler"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="visibilityDelay"/> is negative.</exception>
    public InMemorySentimentStore(IScheduler scheduler, TimeSpan? visibilityDelay = null)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentOutOfRangeException.ThrowIfLessThan(visibilityDelay ?? TimeSpan.Zero, TimeSpan.Zero, nameof(visibilityDelay));
        _scheduler = scheduler;
        VisibilityDelay = visibilityDelay ?? DefaultVisibilityDelay;
        _knownSince = SseEventId.AtTime(scheduler.Now);
    }

    /// <inheritdoc />
    public TimeSpan VisibilityDelay { get; }

    /// <summary>Items held now (items older than 24 hours are evicted first).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                Evict(_scheduler.Now);
                return _log.Count;
            }
        }
    }

    /// <summary>
    /// Adds an item, exactly once: an item whose <see cref="SentimentItem.ItemId"/> the store already holds is ignored,
    /// as is an item whose timestamp is already 24 hours old.
    /// </summary>
    /// <param name="item">The item, stamped with this store's clock.</param>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The item is invalid (see <see cref="SentimentItem.Validate"/>; the message names the field), or a reader has
    /// already read past its position (it was stamped too long before it was added). Nothing is stored.
    /// </exception>
    public void Add(SentimentItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        if (item.Validate() is { } problem)
        {
            throw new ArgumentException($"Invalid sentiment item: {problem.Field} {problem.Reason}.", nameof(item));
        }

        var id = item.EventId;
        lock (_gate)
        {
            var now = _scheduler.Now;
            if (_readThrough is { } read && id <= read)
            {
                throw new ArgumentException(
                    $"Item '{item.ItemId}' is stamped {item.Timestamp:O}, but readers have already read up to {read} (now is " +
                    $"{now:O}, the visibility delay {VisibilityDelay}): it would never be delivered. Stamp items when they are added.",
                    nameof(item));
            }

            var cutoff = Evict(now);
            if (id.UnixMilliseconds <= cutoff || !_itemIds.Add(item.ItemId))
            {
                return;
            }

            _log.Insert(id, item);
        }
    }

    /// <inheritdoc />
    public bool HoldsEverythingAfter(SseEventId after)
    {
        lock (_gate)
        {
            var cutoff = Evict(_scheduler.Now);
            return after >= _knownSince && after.UnixMilliseconds >= cutoff;
        }
    }

    /// <inheritdoc />
    public SseEventId PositionOf(SentimentItem entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.EventId;
    }

    /// <inheritdoc />
    /// <remarks>Completes synchronously.</remarks>
    public ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(range.MaxEntries, nameof(range));
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<IReadOnlyList<SentimentItem>>(cancellationToken);
        }

        lock (_gate)
        {
            var now = _scheduler.Now;
            Evict(now);

            // What a reader now holds complete: the range, up to the settled horizon (past it, nothing was promised).
            var settled = SseEventId.SettledAt(now, VisibilityDelay);
            var through = range.Through < settled ? range.Through : settled;
            if (_readThrough is not { } read || through > read)
            {
                _readThrough = through;
            }

            return ValueTask.FromResult<IReadOnlyList<SentimentItem>>(_log.Read(range));
        }
    }

    /// <summary>Drops the items that are 24 hours old; returns the cutoff (Unix ms, inclusive).</summary>
    private long Evict(DateTimeOffset now)
    {
        var cutoff = (now - Retention).ToUnixTimeMilliseconds();
        while (_log.TryRemoveOldest(cutoff, out var evicted))
        {
            _itemIds.Remove(evicted.ItemId);
        }

        return cutoff;
    }
}
