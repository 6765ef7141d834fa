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

    private SentimentAggregator? _aggregator;
    private DeliveredItems _delivered = new();

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
    /// The first fetch (<paramref name="after"/> <see langword="null"/>) reads the metrics window, one query per
    /// hour bucket, into the aggregates and returns no items. Later fetches return the items after the cursor,
    /// oldest first, each exactly once. A fetch that fails changes nothing, so the next attempt repeats it.
    /// </remarks>
    /// <exception cref="Amazon.Runtime.AmazonServiceException">DynamoDB failed; see <see cref="DynamoDbErrors.IsTransient"/>.</exception>
    public async ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken)
    {
        var now = _scheduler.Now;
        var nowMs = Math.Max(0, now.ToUnixTimeMilliseconds());
        var upperMs = nowMs + _skewMilliseconds;

        // All reads happen before any state changes, so a failure part-way leaves the poller as it was.
        var aggregator = _aggregator;
        var delivered = _delivered;
        var cost = default(ReadCost);
        var bootstrap = new List<SentimentItem>();
        if (after is null || aggregator is null)
        {
            // A first fetch, or a cursor handed to a store that has never polled: load everything up to it.
            var bootstrapEnd = after?.UnixMilliseconds ?? upperMs;
            var windowStart = Math.Max(0, nowMs - _windowMilliseconds);
            cost += await _reader.ReadAsync(
                SseEventId.AtTime(DateTimeOffset.FromUnixTimeMilliseconds(windowStart)).ToString(),
                windowStart, bootstrapEnd, int.MaxValue, null, bootstrap, cancellationToken).ConfigureAwait(false);
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
                SseEventId.AtTime(DateTimeOffset.FromUnixTimeMilliseconds(lowerMs)).ToString(),
                lowerMs, upperMs, int.MaxValue, null, candidates, cancellationToken).ConfigureAwait(false);

            foreach (var item in candidates)
            {
                if (!delivered.Contains(item.ItemId))
                {
                    delivered.Add(item.ItemId, item.EventId.UnixMilliseconds);
                    fresh.Add(item);
                }
            }
        }

        aggregator.Add(bootstrap);
        aggregator.Add(fresh);

        // Bootstrap items are sorted and never after a given cursor; fresh ones may arrive late, so take their max.
        var newCursor = Max(after, bootstrap.Count > 0 ? bootstrap[^1].EventId : null);
        newCursor = Max(newCursor, fresh.Count > 0 ? MaxEventId(fresh) : null);

        // With nothing new, the cursor still follows the clock (less the skew), so a quiet spell never widens the
        // next query beyond an hour bucket or two.
        var floor = SseEventId.AtTime(DateTimeOffset.FromUnixTimeMilliseconds(Math.Max(0, nowMs - _skewMilliseconds)));
        var result = Max(newCursor, floor)!.Value;
        delivered.EvictBefore(result.UnixMilliseconds - _skewMilliseconds);

        _aggregator = aggregator;
        _delivered = delivered;
        LastFetchCost = cost;
        return new SentimentBatch(fresh, aggregator.Metrics(now), aggregator.Tickers(now), result, now);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Queries the hour buckets from <paramref name="after"/>'s hour to now, stopping once
    /// <paramref name="maxItems"/> items are read: the cost is one request per hour spanned plus one per page.
    /// Stateless: any process can answer for any cursor in the window.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <paramref name="maxItems"/> is less than 1, or <paramref name="after"/> is older than
    /// <see cref="DynamoDbStoreOptions.MetricsWindow"/> (such a cursor cannot be resumed without a gap).
    /// </exception>
    public async ValueTask<IReadOnlyList<SentimentItem>> ReadAfterAsync(SseEventId after, int maxItems, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        var nowMs = Math.Max(0, _scheduler.Now.ToUnixTimeMilliseconds());
        if (after.UnixMilliseconds < nowMs - _windowMilliseconds)
        {
            throw new ArgumentOutOfRangeException(
                nameof(after), after.ToString(), "The cursor is older than the window the items table is read over.");
        }

        var upperMs = Math.Max(nowMs + _skewMilliseconds, after.UnixMilliseconds);
        var items = new List<SentimentItem>(Math.Min(maxItems, 256));
        await _reader.ReadAsync(after.ToString(), after.UnixMilliseconds, upperMs, maxItems, after, items, cancellationToken)
            .ConfigureAwait(false);
        return items;
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
