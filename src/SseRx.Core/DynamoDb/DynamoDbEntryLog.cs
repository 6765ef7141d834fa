using System.Diagnostics.CodeAnalysis;
using System.Reactive.Concurrency;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace SseRx.DynamoDb;

/// <summary>
/// A DynamoDB table whose sort key is time-ordered, as an <see cref="IEntryLog{TEntry}"/>: what a consumer means by
/// "stream my table to browsers". Give it to a <see cref="SseFeed{TEntry}"/>; the feed's history reads it too.
/// </summary>
/// <typeparam name="TEntry">The consumer's entry type.</typeparam>
/// <remarks>
/// <para>
/// A range read queries each time bucket the range spans, in order (newest first when asked), with
/// <c>sort key BETWEEN :lo AND :hi</c>, strongly consistent, paginated, stopping once it has what it was asked for. Its
/// cost depends on the buckets spanned and the items in the range, never on the table's size. See
/// <see cref="DynamoDbEntryLogOptions{TEntry}"/> for the key layout.
/// </para>
/// <para>Thread-safe; holds no state between reads except <see cref="LastReadCost"/>. The client is not disposed by the log.</para>
/// </remarks>
public sealed class DynamoDbEntryLog<TEntry> : IEntryLog<TEntry>
    where TEntry : class
{
    private readonly IAmazonDynamoDB _client;
    private readonly IScheduler _scheduler;
    private readonly string _table;
    private readonly string _partitionKey;
    private readonly string _sortKey;
    private readonly long _bucketMilliseconds;
    private readonly Func<DateTimeOffset, string> _bucketName;
    private readonly Func<Dictionary<string, AttributeValue>, TEntry?> _read;
    private readonly Func<TEntry, SseEventId> _positionOf;
    private readonly string? _projection;
    private readonly IReadOnlyDictionary<string, string>? _projectionNames;
    private readonly TimeSpan _retention;
    private DynamoDbReadCost _lastReadCost;

    /// <summary>Creates a log over a table.</summary>
    /// <param name="client">The DynamoDB client; not disposed by the log.</param>
    /// <param name="options">The table, its key layout and the mapping; validated and read once here.</param>
    /// <param name="scheduler">The clock: what "now" is for <see cref="DynamoDbEntryLogOptions{TEntry}.Retention"/>.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public DynamoDbEntryLog(IAmazonDynamoDB client, DynamoDbEntryLogOptions<TEntry> options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        _client = client;
        _scheduler = scheduler;
        _table = options.TableName!;
        _partitionKey = options.PartitionKey;
        _sortKey = options.SortKey;
        _bucketMilliseconds = options.BucketSpan == TimeSpan.MaxValue ? long.MaxValue : (long)options.BucketSpan.TotalMilliseconds;
        _bucketName = options.BucketName;
        _read = options.ReadEntry!;
        _positionOf = options.PositionOf!;
        _projection = options.Projection;
        _projectionNames = options.ProjectionNames;
        _retention = options.Retention;
        VisibilityDelay = options.VisibilityDelay;
    }

    /// <inheritdoc />
    public TimeSpan VisibilityDelay { get; }

    /// <summary>What the last read cost; for diagnostics and tests.</summary>
    public DynamoDbReadCost LastReadCost
    {
        get => _lastReadCost;
        private set => _lastReadCost = value;
    }

    /// <inheritdoc />
    /// <remarks>True for positions within <see cref="DynamoDbEntryLogOptions{TEntry}.Retention"/> of now.</remarks>
    public bool HoldsEverythingAfter(SseEventId after) =>
        _retention == TimeSpan.MaxValue || after.Timestamp >= _scheduler.Now - _retention;

    /// <inheritdoc />
    public SseEventId PositionOf(TEntry entry) => _positionOf(entry);

    /// <inheritdoc />
    /// <exception cref="Amazon.Runtime.AmazonServiceException">DynamoDB failed; see <see cref="DynamoDbErrors.IsTransient"/>.</exception>
    public async ValueTask<IReadOnlyList<TEntry>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(range.MaxEntries, nameof(range));
        var entries = new List<TEntry>(Math.Min(range.MaxEntries, 256));
        var cost = default(DynamoDbReadCost);
        if (range.Through > range.After && range.MaxEntries > 0)
        {
            var first = BucketStart(range.After.UnixMilliseconds);
            var last = BucketStart(range.Through.UnixMilliseconds);
            var bucket = range.NewestFirst ? last : first;
            while (entries.Count < range.MaxEntries)
            {
                cost += await ReadBucketAsync(bucket, range, entries, cancellationToken).ConfigureAwait(false);
                if (bucket == (range.NewestFirst ? first : last))
                {
                    break;
                }

                bucket = range.NewestFirst ? bucket - _bucketMilliseconds : bucket + _bucketMilliseconds;
            }
        }

        LastReadCost = cost;
        return entries;
    }

    private long BucketStart(long unixMilliseconds) =>
        _bucketMilliseconds == long.MaxValue ? 0 : unixMilliseconds - (unixMilliseconds % _bucketMilliseconds);

    private async Task<DynamoDbReadCost> ReadBucketAsync(long bucket, EntryRange range, List<TEntry> into, CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal) { ["#b"] = _partitionKey, ["#k"] = _sortKey };
        if (_projectionNames is not null)
        {
            foreach (var (alias, name) in _projectionNames)
            {
                names[alias] = name;
            }
        }

        var request = new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "#b = :b AND #k BETWEEN :lo AND :hi",
            ProjectionExpression = _projection,
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>(3, StringComparer.Ordinal)
            {
                [":b"] = new() { S = _bucketName(DateTimeOffset.FromUnixTimeMilliseconds(bucket)) },
                [":lo"] = new() { S = range.After.ToString() },
                [":hi"] = new() { S = range.Through.ToString() },
            },
            ScanIndexForward = !range.NewestFirst,
            ConsistentRead = true,
            ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
        };

        var cost = default(DynamoDbReadCost);
        do
        {
            // One more than needed: DynamoDB's lower bound is inclusive and the range's is not.
            request.Limit = (int)Math.Min((long)range.MaxEntries - into.Count + 1, 1000);
            var response = await _client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            var items = response.Items;
            var read = items?.Count ?? 0;
            var invalid = 0;
            for (var i = 0; i < read && into.Count < range.MaxEntries; i++)
            {
                if (TryRead(items![i], out var entry, out var position))
                {
                    if (range.Contains(position))
                    {
                        into.Add(entry);
                    }
                }
                else
                {
                    invalid++;
                }
            }

            cost += new DynamoDbReadCost(1, response.ConsumedCapacity?.CapacityUnits ?? 0, read, invalid);
            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null && into.Count < range.MaxEntries);

        return cost;
    }

    private bool TryRead(Dictionary<string, AttributeValue> item, [NotNullWhen(true)] out TEntry? entry, out SseEventId position)
    {
        try
        {
            entry = _read(item);
            position = entry is null ? default : _positionOf(entry);
            return entry is not null;
        }
#pragma warning disable CA1031 // A row the mapping cannot read is skipped and counted, like one it declines.
        catch (Exception)
#pragma warning restore CA1031
        {
            entry = null;
            position = default;
            return false;
        }
    }
}
