using System.Reactive.Concurrency;
using Amazon.DynamoDBv2;
using SseRx.DynamoDb;
using SseRx.Host.Sentiment;

namespace SseRx.Host.DynamoDb;

/// <summary>
/// The items table as the sentiment feed's store: the package's <see cref="DynamoDbEntryLog{TEntry}"/> over the table
/// design in README.md next to this file, reading <see cref="SentimentItem"/>s with <see cref="ItemSchema"/>.
/// </summary>
/// <remarks>
/// <see cref="VisibilityDelay"/> is <see cref="DynamoDbStoreOptions.ClockSkew"/>; items expire
/// <see cref="DynamoDbStoreOptions.ItemTimeToLive"/> after their timestamp, so older positions are not vouched for.
/// Thread-safe; the client is not disposed by the store.
/// </remarks>
public sealed class DynamoDbSentimentStore : IEntryLog<SentimentItem>
{
    private readonly DynamoDbEntryLog<SentimentItem> _log;

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
        _log = new DynamoDbEntryLog<SentimentItem>(
            client,
            new DynamoDbEntryLogOptions<SentimentItem>
            {
                TableName = options.ItemsTable,
                PartitionKey = ItemSchema.Bucket,
                SortKey = ItemSchema.SortKey,
                ReadEntry = static attributes => ItemSchema.TryRead(attributes, out var item) ? item : null,
                PositionOf = static item => item.EventId,
                Projection = ItemSchema.Projection,
                ProjectionNames = ItemSchema.ProjectionNames,
                VisibilityDelay = options.ClockSkew,
                Retention = options.ItemTimeToLive,
            },
            scheduler);
    }

    /// <inheritdoc />
    public TimeSpan VisibilityDelay => _log.VisibilityDelay;

    /// <summary>What the last read cost; for tests and diagnostics.</summary>
    public DynamoDbReadCost LastReadCost => _log.LastReadCost;

    /// <inheritdoc />
    public bool HoldsEverythingAfter(SseEventId after) => _log.HoldsEverythingAfter(after);

    /// <inheritdoc />
    public SseEventId PositionOf(SentimentItem entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.EventId;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken) =>
        _log.ReadAsync(range, cancellationToken);
}
