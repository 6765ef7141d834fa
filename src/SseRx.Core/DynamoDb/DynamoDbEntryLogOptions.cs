using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace SseRx.DynamoDb;

/// <summary>
/// How a <see cref="DynamoDbEntryLog{TEntry}"/> reads a table whose sort key is time-ordered: the key layout, and the
/// mapping of an item to the consumer's entry. Read and validated once, when the log is created.
/// </summary>
/// <typeparam name="TEntry">The consumer's entry type.</typeparam>
/// <remarks>
/// <para>
/// The table's sort key (a string) holds each item's position in its text form, <c>{unix ms:D13}-{key}</c> (see
/// <see cref="SseEventId"/>), so that key order is time order. Its partition key groups items into time buckets:
/// <see cref="BucketSpan"/> of time per partition (an hour by default), named by <see cref="BucketName"/>. One bucket
/// per hour spreads writes over partitions and bounds each one; any range of time maps to the few buckets it covers.
/// A table with a single partition sets <see cref="BucketSpan"/> to <see cref="TimeSpan.MaxValue"/> and a constant name.
/// </para>
/// <para>Every read is a strongly consistent <c>Query</c> of one bucket with a sort-key range: never a <c>Scan</c>.</para>
/// </remarks>
public sealed class DynamoDbEntryLogOptions<TEntry>
    where TEntry : class
{
    /// <summary>The table. Required.</summary>
    public string? TableName { get; set; }

    /// <summary>The partition key's attribute name (a string). Default <c>bucket</c>.</summary>
    public string PartitionKey { get; set; } = "bucket";

    /// <summary>The sort key's attribute name (a string holding the position). Default <c>sk</c>.</summary>
    public string SortKey { get; set; } = "sk";

    /// <summary>The time one partition holds, aligned to the Unix epoch. Default one hour.</summary>
    public TimeSpan BucketSpan { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The partition key value of the bucket that starts at the given time. Default <c>yyyy-MM-ddTHH</c> in UTC.</summary>
    public Func<DateTimeOffset, string> BucketName { get; set; } =
        static start => start.UtcDateTime.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads an entry from an item's attributes, or returns <see langword="null"/> for a malformed item (it is skipped
    /// and counted in <see cref="DynamoDbReadCost.InvalidItems"/>, so one bad row cannot fail every poll). Required.
    /// </summary>
    public Func<Dictionary<string, AttributeValue>, TEntry?>? ReadEntry { get; set; }

    /// <summary>The position of an entry: the same value as its item's sort key. Required.</summary>
    public Func<TEntry, SseEventId>? PositionOf { get; set; }

    /// <summary>
    /// The attributes to read (a <c>ProjectionExpression</c>, with <see cref="ProjectionNames"/> for reserved words), or
    /// <see langword="null"/> for all of them. Default <see langword="null"/>.
    /// </summary>
    public string? Projection { get; set; }

    /// <summary>Placeholder names used by <see cref="Projection"/>, such as <c>#ts</c> for <c>timestamp</c>. Default none.</summary>
    public IReadOnlyDictionary<string, string>? ProjectionNames { get; set; }

    /// <summary>
    /// How late an item may become readable after its timestamp: the writers' clocks against this process's, plus a
    /// write's own duration. A feed delivers an item once it is this old. Default 1 second.
    /// </summary>
    public TimeSpan VisibilityDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long items are kept (a time to live): a resume from an older position cannot be answered, and gets a
    /// <c>resync</c>. Default <see cref="TimeSpan.MaxValue"/> (kept for ever).
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.MaxValue;

    /// <summary>Throws when an option is missing or out of range; the message names it.</summary>
    /// <exception cref="ArgumentException">A name is empty.</exception>
    /// <exception cref="ArgumentNullException">A required function is missing.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A duration is out of range.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(TableName, nameof(TableName));
        ArgumentException.ThrowIfNullOrWhiteSpace(PartitionKey, nameof(PartitionKey));
        ArgumentException.ThrowIfNullOrWhiteSpace(SortKey, nameof(SortKey));
        ArgumentNullException.ThrowIfNull(BucketName, nameof(BucketName));
        ArgumentNullException.ThrowIfNull(ReadEntry, nameof(ReadEntry));
        ArgumentNullException.ThrowIfNull(PositionOf, nameof(PositionOf));
        ArgumentOutOfRangeException.ThrowIfLessThan(BucketSpan, TimeSpan.FromMilliseconds(1), nameof(BucketSpan));
        ArgumentOutOfRangeException.ThrowIfLessThan(VisibilityDelay, TimeSpan.Zero, nameof(VisibilityDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Retention, TimeSpan.Zero, nameof(Retention));
    }
}

/// <summary>What one read cost: requests sent, read capacity consumed, items DynamoDB returned, and how many were malformed.</summary>
/// <param name="Requests">Query requests (one per bucket, plus one per extra page).</param>
/// <param name="CapacityUnits">Read capacity units DynamoDB reported (<c>ReturnConsumedCapacity=TOTAL</c>).</param>
/// <param name="ItemsRead">Items DynamoDB returned, before the range and the mapping were applied.</param>
/// <param name="InvalidItems">Items skipped because <see cref="DynamoDbEntryLogOptions{TEntry}.ReadEntry"/> could not read them.</param>
public readonly record struct DynamoDbReadCost(int Requests, double CapacityUnits, int ItemsRead, int InvalidItems)
{
    /// <summary>The sum of two costs.</summary>
    public static DynamoDbReadCost operator +(DynamoDbReadCost left, DynamoDbReadCost right) => new(
        left.Requests + right.Requests,
        left.CapacityUnits + right.CapacityUnits,
        left.ItemsRead + right.ItemsRead,
        left.InvalidItems + right.InvalidItems);

    /// <summary>The sum of two costs.</summary>
    public static DynamoDbReadCost Add(DynamoDbReadCost left, DynamoDbReadCost right) => left + right;
}
