using System.Reactive.Concurrency;
using Amazon.DynamoDBv2;
using SseRx.Sentiment;

namespace SseRx.DynamoDb;

/// <summary>
/// Reads analysed items from the DynamoDB items table: the store a feed polls, and the history a client resumes from
/// on a process that never saw its <c>Last-Event-ID</c>. See README.md next to this file for the table design.
/// </summary>
/// <remarks>
/// <para>
/// Every read is a strongly consistent <c>Query</c> on the hour buckets it spans with a sort-key range, never a
/// <c>Scan</c>: a steady poll costs one request (two across an hour boundary) plus one page per megabyte of new items,
/// whatever the table's size.
/// </para>
/// <para>
/// <see cref="VisibilityDelay"/> is <see cref="DynamoDbStoreOptions.ClockSkew"/>: how late an item may become
/// readable after its timestamp (the writer's clock against this process's, and the write's own duration). The feed
/// reads only ranges that are that old, so every instance reads the same items; see <c>docs/event-ids-and-resume.md</c>.
/// </para>
/// <para>Thread-safe; holds no state between reads. The client is not disposed by the store.</para>
/// </remarks>
public sealed class DynamoDbSentimentStore : IEntryLog<SentimentItem>
{
    private readonly ItemRangeReader _reader;
    private readonly IScheduler _scheduler;
    private readonly TimeSpan _timeToLive;

    /// <summary>Creates a store over the table <see cref="DynamoDbStoreOptions.ItemsTable"/>.</summary>
    /// <param name="client">The DynamoDB client; not disposed by the store.</param>
    /// <param name="options">The table and timing; validated and read once here.</param>
    /// <param name="scheduler">The clock: what "now" is for the items' time to live.</param>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="DynamoDbStoreOptions.Validate"/>).</exception>
    public DynamoDbSentimentStore(IAmazonDynamoDB client, DynamoDbStoreOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        _reader = new ItemRangeReader(client, options.ItemsTable);
        _scheduler = scheduler;
        _timeToLive = options.ItemTimeToLive;
        VisibilityDelay = options.ClockSkew;
    }

    /// <inheritdoc />
    public TimeSpan VisibilityDelay { get; }

    /// <summary>What the last read cost; for tests and diagnostics.</summary>
    internal ReadCost LastReadCost { get; private set; }

    /// <inheritdoc />
    /// <remarks>Items expire <see cref="DynamoDbStoreOptions.ItemTimeToLive"/> after their timestamp, so older positions are not held.</remarks>
    public bool HoldsEverythingAfter(SseEventId after) => after.Timestamp >= _scheduler.Now - _timeToLive;

    /// <inheritdoc />
    public SseEventId PositionOf(SentimentItem entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.EventId;
    }

    /// <inheritdoc />
    /// <remarks>One query per hour bucket the range spans (from the newest, when it asks for the newest first) plus one per page.</remarks>
    /// <exception cref="Amazon.Runtime.AmazonServiceException">DynamoDB failed; see <see cref="DynamoDbErrors.IsTransient"/>.</exception>
    public async ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(range.MaxEntries, nameof(range));
        var items = new List<SentimentItem>(Math.Min(range.MaxEntries, 256));
        LastReadCost = await _reader.ReadAsync(range, items, cancellationToken).ConfigureAwait(false);
        return items;
    }
}
