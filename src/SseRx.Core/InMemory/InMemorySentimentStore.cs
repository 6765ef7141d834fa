using System.Reactive.Concurrency;
using SseRx.Sentiment;

namespace SseRx.InMemory;

/// <summary>
/// An in-process store of analysed items: the embedded default that SseRx runs on with no AWS.
/// </summary>
/// <remarks>
/// <para>Keeps the items of the metrics window (24 hours), ordered by <see cref="SentimentItem.EventId"/>, so a
/// fetch after a cursor costs O(new items + log n), not the store's size. An item leaves the store once its
/// timestamp is 24 hours old (at millisecond precision); eviction happens on every call, as the clock moves.
/// The aggregates come from a <see cref="SentimentAggregator"/> updated on <see cref="Add"/>, never from a scan.</para>
/// <para>The clock is the <see cref="IScheduler"/> given to the constructor (<see cref="IScheduler.Now"/>).</para>
/// <para>Cursors are event ids, so a fetch returns the items whose id sorts after the cursor. An item added with a
/// timestamp older than a cursor already handed out would never be returned by <see cref="FetchAsync"/> to that
/// poller (<see cref="ReadAfterAsync"/> still finds it). Items must therefore be stamped with this store's clock
/// when they are added, as <see cref="SentimentSimulator"/> does when it shares the store's scheduler; the store
/// keeps the timestamp it is given rather than restamping, because the timestamp is part of the item's id.</para>
/// <para>Thread-safe: writers and the poller may run concurrently. Holds no unmanaged resources.</para>
/// </remarks>
public sealed class InMemorySentimentStore : ISentimentSource, ISentimentHistory
{
    /// <summary>How long an item is held: the metrics window.</summary>
    internal static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private readonly IScheduler _scheduler;
    private readonly Lock _gate = new();
    private readonly SortedItemLog _log = new();
    private readonly HashSet<string> _itemIds = new(StringComparer.Ordinal);
    private readonly SentimentAggregator _aggregator = new();

    // What this store can vouch for starts at its creation, or at the oldest item it was given if that is earlier:
    // a resume from an older cursor (a previous process's) cannot be answered honestly, so ReadAfterAsync says so
    // and the client gets a resync. Guarded by _gate.
    private SseEventId _knownSince;

    // Where history reads hand over to the live feed: the cursor the last fetch returned (guarded by _gate).
    private SseEventId? _handover;

    /// <summary>Creates an empty store whose clock is <paramref name="scheduler"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="scheduler"/> is <see langword="null"/>.</exception>
    public InMemorySentimentStore(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        _scheduler = scheduler;
        _knownSince = SseEventId.AtTime(scheduler.Now);
    }

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
    /// Adds an item, exactly once: an item whose <see cref="SentimentItem.ItemId"/> the store already holds is
    /// ignored, as is an item whose timestamp is already 24 hours old.
    /// </summary>
    /// <param name="item">The item; its timestamp should come from this store's clock (see remarks on the class).</param>
    /// <exception cref="ArgumentNullException"><paramref name="item"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// The item is invalid (see <see cref="SentimentItem.Validate"/>); the message names the field. Nothing is stored.
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
            var cutoff = Evict(_scheduler.Now);
            if (id.UnixMilliseconds <= cutoff || !_itemIds.Add(item.ItemId))
            {
                return;
            }

            _log.Insert(id, item);
            if (id < _knownSince)
            {
                _knownSince = SseEventId.AtTime(item.Timestamp);
            }

            _aggregator.AddValidated(item);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// With no cursor: no items, and a cursor at the current end (the newest item's id, or
    /// <see cref="SseEventId.AtTime"/> of now when the store is empty). With a cursor: every held item whose id
    /// sorts after it, oldest first, and the newest returned item's id as the next cursor (the same cursor when
    /// nothing is new). Completes synchronously.
    /// </remarks>
    public ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<SentimentBatch>(cancellationToken);
        }

        var now = _scheduler.Now;
        lock (_gate)
        {
            Evict(now);
            SentimentItem[] items;
            SseEventId cursor;
            if (after is { } from)
            {
                items = _log.ReadAfter(from, int.MaxValue);
                cursor = items.Length > 0 ? items[^1].EventId : from;
            }
            else
            {
                // A history read made before the first fetch already handed out everything up to _handover.
                items = [];
                cursor = _handover ?? _log.LastId ?? SseEventId.AtTime(now);
            }

            _handover = cursor;

            return ValueTask.FromResult(
                new SentimentBatch(items, _aggregator.Metrics(now), _aggregator.Tickers(now), cursor, now));
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Only items still held (younger than 24 hours) are returned, and only up to where the live feed takes over:
    /// the cursor the last <see cref="FetchAsync"/> returned (before any fetch, the current end, which the first
    /// fetch then starts from). A cursor older than both this store and the oldest item it was given returns
    /// <see langword="null"/>: the items before it belonged to another process and are gone. Completes synchronously.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxItems"/> is negative.</exception>
    public ValueTask<IReadOnlyList<SentimentItem>?> ReadAfterAsync(SseEventId after, int maxItems, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxItems);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<IReadOnlyList<SentimentItem>?>(cancellationToken);
        }

        lock (_gate)
        {
            if (after < _knownSince)
            {
                return ValueTask.FromResult<IReadOnlyList<SentimentItem>?>(null);
            }

            var now = _scheduler.Now;
            Evict(now);
            var until = _handover ??= _log.LastId ?? SseEventId.AtTime(now);
            var items = _log.ReadAfter(after, maxItems);
            var count = 0;
            while (count < items.Length && items[count].EventId <= until)
            {
                count++;
            }

            return ValueTask.FromResult<IReadOnlyList<SentimentItem>?>(count == items.Length ? items : items[..count]);
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
