using System.Reactive.Concurrency;
using Amazon.DynamoDBv2;
using SseRx.Sentiment;

namespace SseRx.DynamoDb;

/// <summary>
/// Reads analysed items from the DynamoDB items table: the live source of a feed, and the history a client resumes
/// from on a process that never saw its <c>Last-Event-ID</c>. See README.md next to this file for the table design.
/// </summary>
/// <remarks>
/// <para>
/// Every read is a <c>Query</c> on the hour buckets it spans with a sort-key range, never a <c>Scan</c>: a steady
/// poll costs one request (two across an hour boundary) plus one page per megabyte of new items, whatever the
/// table's size. Aggregates are built once from the metrics window at the first fetch, then updated from each
/// poll's new items.
/// </para>
/// <para>
/// Each poll re-reads <see cref="DynamoDbStoreOptions.ClockSkew"/> before its cursor and drops the item ids it
/// already delivered, so an item written up to that much behind the cursor (a late ingest clock, an eventually
/// consistent read) is still delivered, exactly once. Items stamped more than that in the future wait until
/// their time comes, so a writer with a fast clock cannot push the cursor past other writers' items.
/// </para>
/// <para>
/// Thread-safety: <see cref="ReadAfterAsync"/> may run concurrently with anything. <see cref="FetchAsync"/> keeps
/// the poller's state (aggregates, recently delivered ids) and must not run concurrently with itself, which the
/// <c>Poll</c> operator guarantees; pass back the cursor it returned. The client is not disposed by the store.
/// </para>
/// </remarks>
public sealed class DynamoDbSentimentStore : ISentimentSource, ISentimentHistory
{
    private readonly ItemRangeReader _reader;
    private readonly IScheduler _scheduler;
    private readonly long _skewMilliseconds;
    private readonly long _windowMilliseconds;

    // The poller's state: touched only by FetchAsync, which never runs concurrently with itself.
    private SentimentAggregator? _aggregator;
    private DeliveredItems _delivered = new();

    // Where resume reads hand over to the live feed; shared with ReadAfterAsync, so guarded by _split.
    private readonly Lock _split = new();
    private SseEventId? _liveCursor;
    private Task? _bootstrap;
    private long? _earlyHistoryEnd;

    /// <summary>Creates a store over the table <see cref="DynamoDbStoreOptions.ItemsTable"/>.</summary>
    /// <param name="client">The DynamoDB client; not disposed by the store.</param>
    /// <param name="options">The table and timing; validated and read once here.</param>
    /// <param name="scheduler">The clock: <c>scheduler.Now</c> is "now" for the metrics window and the query bounds.</param>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="DynamoDbStoreOptions.Validate"/>).</exception>
    public DynamoDbSentimentStore(IAmazonDynamoDB client, DynamoDbStoreOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        _reader = new ItemRangeReader(client, options.ItemsTable);
        _scheduler = scheduler;
        _skewMilliseconds = (long)options.ClockSkew.TotalMilliseconds;
        _windowMilliseconds = (long)options.MetricsWindow.TotalMilliseconds;
    }

    /// <summary>What the last successful <see cref="FetchAsync"/> cost; for tests and diagnostics.</summary>
    internal ReadCost LastFetchCost { get; private set; }

    /// <summary>How many item ids the poller currently remembers for de-duplication.</summary>
    internal int DeliveredIdCount => _delivered.Count;

    /// <inheritdoc />
    /// <remarks>
    /// <para>The first fetch (<paramref name="after"/> <see langword="null"/>) reads the metrics window, one query per
    /// hour bucket, into the aggregates and returns no items, with a cursor at the moment the fetch started: items
    /// stamped later (written while this bootstrap runs, for instance) are delivered by the next fetch rather than
    /// silently counted. Later fetches return the items after the cursor, oldest first, each exactly once.</para>
    /// <para>A fetch that fails changes nothing, so the next attempt repeats it.</para>
    /// </remarks>
    /// <exception cref="Amazon.Runtime.AmazonServiceException">DynamoDB failed; see <see cref="DynamoDbErrors.IsTransient"/>.</exception>
    public async ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken)
    {
        var now = _scheduler.Now;
        var nowMs = Math.Max(0, now.ToUnixTimeMilliseconds());
        var upperMs = nowMs + _skewMilliseconds;
        var aggregator = _aggregator;
        var bootstrapping = after is null || aggregator is null;
        var bootstrapEnd = after?.UnixMilliseconds ?? 0;
        TaskCompletionSource? bootstrapDone = null;
        lock (_split)
        {
            if (after is null)
            {
                // The split point between history and live: the moment this fetch started, or the one a resume
                // read just before it was cut at (see ReadAfterAsync), so the two meet exactly.
                bootstrapEnd = _earlyHistoryEnd is { } early && nowMs - early <= _skewMilliseconds && early <= nowMs ? early : nowMs;
                _earlyHistoryEnd = null;
                _liveCursor = null;
                bootstrapDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _bootstrap = bootstrapDone.Task;
            }
            else
            {
                // Everything up to the cursor the feed passes back has been emitted: resume reads stop there.
                _liveCursor = after;
            }
        }

        try
        {
            // All reads happen before any state changes, so a failure part-way leaves the poller as it was.
            var delivered = _delivered;
            var cost = default(ReadCost);
            var bootstrap = new List<SentimentItem>();
            if (bootstrapping)
            {
                // A first fetch, or a cursor handed to a store that has never polled: load everything up to it.
                var windowStart = Math.Max(0, nowMs - _windowMilliseconds);
                cost += await _reader.ReadAsync(
                    ItemSchema.From(windowStart), ItemSchema.Through(bootstrapEnd), int.MaxValue, null, bootstrap, cancellationToken)
                    .ConfigureAwait(false);
                if (after is { } cursor)
                {
                    bootstrap.RemoveAll(item => item.EventId > cursor);
                }

                aggregator = new SentimentAggregator();
                delivered = new DeliveredItems();
            }

            foreach (var item in bootstrap)
            {
                delivered.Add(item.ItemId, item.EventId.UnixMilliseconds);
            }

            var fresh = new List<SentimentItem>();
            if (after is { } from)
            {
                var lowerMs = Math.Max(0, from.UnixMilliseconds - _skewMilliseconds);
                var candidates = new List<SentimentItem>();
                cost += await _reader.ReadAsync(
                    ItemSchema.From(lowerMs), ItemSchema.Through(upperMs), int.MaxValue, null, candidates, cancellationToken)
                    .ConfigureAwait(false);

                foreach (var item in candidates)
                {
                    if (!delivered.Contains(item.ItemId))
                    {
                        delivered.Add(item.ItemId, item.EventId.UnixMilliseconds);
                        fresh.Add(item);
                    }
                }
            }

            aggregator!.Add(bootstrap);
            aggregator.Add(fresh);

            // Bootstrap items are sorted and never after its end; fresh ones may arrive late, so take their max.
            var newCursor = Max(after, bootstrap.Count > 0 ? bootstrap[^1].EventId : null);
            newCursor = Max(newCursor, fresh.Count > 0 ? MaxEventId(fresh) : null);
            if (after is null)
            {
                newCursor = Max(newCursor, ItemSchema.Through(bootstrapEnd));
            }

            // With nothing new, the cursor still follows the clock (less the skew), so a quiet spell never widens the
            // next query beyond an hour bucket or two.
            var floor = ItemSchema.From(Math.Max(0, nowMs - _skewMilliseconds));
            var result = Max(newCursor, floor)!.Value;
            delivered.EvictBefore(result.UnixMilliseconds - _skewMilliseconds);

            _aggregator = aggregator;
            _delivered = delivered;
            LastFetchCost = cost;
            if (after is null)
            {
                lock (_split)
                {
                    // A bootstrap delivers no items, so everything up to its cursor is already "emitted".
                    _liveCursor = result;
                }
            }

            return new SentimentBatch(fresh, aggregator.Metrics(now), aggregator.Tickers(now), result, now);
        }
        finally
        {
            if (bootstrapDone is not null)
            {
                lock (_split)
                {
                    if (ReferenceEquals(_bootstrap, bootstrapDone.Task))
                    {
                        _bootstrap = null;
                    }
                }

                bootstrapDone.SetResult();
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// <para>Queries the hour buckets from <paramref name="after"/>'s hour on, stopping once
    /// <paramref name="maxItems"/> items are read: the cost is one request per hour spanned plus one per page.</para>
    /// <para>The read stops where this store's live feed takes over, so a client that resumes from the store and then
    /// goes live gets no item twice and misses none: at the cursor the feed last passed to
    /// <see cref="FetchAsync"/> (everything up to it has been emitted, later items will be); while the first fetch
    /// runs, after waiting for it; and before any fetch, at now, which the first fetch then starts from. Any process
    /// can answer for any cursor in the window.</para>
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="maxItems"/> is less than 1, or <paramref name="after"/> is older than
    /// <see cref="DynamoDbStoreOptions.MetricsWindow"/> (such a cursor cannot be resumed without a gap).
    /// </exception>
    public async ValueTask<IReadOnlyList<SentimentItem>?> ReadAfterAsync(SseEventId after, int maxItems, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        var nowMs = Math.Max(0, _scheduler.Now.ToUnixTimeMilliseconds());
        if (after.UnixMilliseconds < nowMs - _windowMilliseconds)
        {
            throw new ArgumentOutOfRangeException(
                nameof(after), after.ToString(), "The cursor is older than the window the items table is read over.");
        }

        var end = await LiveStartAsync(nowMs, cancellationToken).ConfigureAwait(false);
        var items = new List<SentimentItem>(Math.Min(maxItems, 256));
        if (end > after)
        {
            await _reader.ReadAsync(after, end, maxItems, after, items, cancellationToken).ConfigureAwait(false);
        }

        return items;
    }

    /// <summary>Where a resume read must stop so that the live feed continues exactly after it.</summary>
    private async Task<SseEventId> LiveStartAsync(long nowMs, CancellationToken cancellationToken)
    {
        Task? bootstrap;
        lock (_split)
        {
            if (_liveCursor is { } live)
            {
                return live;
            }

            bootstrap = _bootstrap;
        }

        if (bootstrap is not null)
        {
            await bootstrap.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_split)
            {
                if (_liveCursor is { } live)
                {
                    return live;
                }
            }
        }

        lock (_split)
        {
            // No feed has polled yet: cut at now, and let a first fetch that starts soon begin from the same point.
            if (_earlyHistoryEnd is not { } early || nowMs - early > _skewMilliseconds || early > nowMs)
            {
                _earlyHistoryEnd = early = nowMs;
            }

            return ItemSchema.Through(early);
        }
    }

    private static SseEventId? Max(SseEventId? left, SseEventId? right) =>
        left is null ? right : right is null ? left : left.Value >= right.Value ? left : right;

    private static SseEventId MaxEventId(List<SentimentItem> items)
    {
        var max = items[0].EventId;
        for (var i = 1; i < items.Count; i++)
        {
            var id = items[i].EventId;
            if (id > max)
            {
                max = id;
            }
        }

        return max;
    }
}
