using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using SseRx.Sentiment;

namespace SseRx.DynamoDb;

/// <summary>What one read cost: requests sent, read capacity consumed, items returned by DynamoDB.</summary>
/// <param name="Requests">Query requests (one per bucket, plus one per extra page).</param>
/// <param name="CapacityUnits">Read capacity units DynamoDB reported (<c>ReturnConsumedCapacity=TOTAL</c>).</param>
/// <param name="ItemsRead">Items DynamoDB returned, before de-duplication.</param>
/// <param name="InvalidItems">Rows skipped because they were malformed.</param>
internal readonly record struct ReadCost(int Requests, double CapacityUnits, int ItemsRead, int InvalidItems)
{
    public static ReadCost operator +(ReadCost left, ReadCost right) => new(
        left.Requests + right.Requests,
        left.CapacityUnits + right.CapacityUnits,
        left.ItemsRead + right.ItemsRead,
        left.InvalidItems + right.InvalidItems);
}

/// <summary>
/// Reads a range of positions across consecutive hour buckets: one paginated <c>Query</c> per bucket, never a
/// <c>Scan</c>. The cost depends on the hours spanned and the items in the range, not on the table's size.
/// </summary>
internal sealed class ItemRangeReader
{
    private readonly IAmazonDynamoDB _client;
    private readonly string _table;

    public ItemRangeReader(IAmazonDynamoDB client, string table)
    {
        _client = client;
        _table = table;
    }

    /// <summary>
    /// Appends to <paramref name="into"/> the valid items in <paramref name="range"/> (at most its maximum), oldest first
    /// or, when it asks, newest first. Queries are strongly consistent: an item whose write has completed is read.
    /// </summary>
    /// <param name="range">The positions: the first bucket read is the hour of its lower bound, the last the hour of its upper.</param>
    /// <param name="into">Receives the items.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    public async Task<ReadCost> ReadAsync(EntryRange range, List<SentimentItem> into, CancellationToken cancellationToken)
    {
        var cost = default(ReadCost);
        if (range.Through <= range.After || range.MaxEntries <= 0)
        {
            return cost;
        }

        var lowerSortKey = range.After.ToString();
        var upperSortKey = range.Through.ToString();
        var firstHour = ItemSchema.HourStart(range.After.UnixMilliseconds);
        var lastHour = ItemSchema.HourStart(range.Through.UnixMilliseconds);
        var step = range.NewestFirst ? -ItemSchema.HourMilliseconds : ItemSchema.HourMilliseconds;
        var appended = 0;
        for (var hour = range.NewestFirst ? lastHour : firstHour;
             hour >= firstHour && hour <= lastHour && appended < range.MaxEntries;
             hour += step)
        {
            var request = new QueryRequest
            {
                TableName = _table,
                KeyConditionExpression = "#b = :b AND #k BETWEEN :lo AND :hi",
                ProjectionExpression = ItemSchema.Projection,
                ExpressionAttributeNames = ItemSchema.AttributeNames(),
                ExpressionAttributeValues = new Dictionary<string, AttributeValue>(3, StringComparer.Ordinal)
                {
                    [":b"] = new() { S = ItemSchema.BucketOf(hour) },
                    [":lo"] = new() { S = lowerSortKey },
                    [":hi"] = new() { S = upperSortKey },
                },
                ScanIndexForward = !range.NewestFirst,
                ConsistentRead = true,
                ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            };

            do
            {
                // One more than needed: the lower bound is inclusive in DynamoDB and exclusive here.
                request.Limit = (int)Math.Min((long)range.MaxEntries - appended + 1, 1000);
                var response = await _client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
                var items = response.Items;
                var read = items?.Count ?? 0;
                var invalid = 0;
                for (var i = 0; i < read && appended < range.MaxEntries; i++)
                {
                    if (ItemSchema.TryRead(items![i], out var item))
                    {
                        if (range.Contains(item.EventId))
                        {
                            into.Add(item);
                            appended++;
                        }
                    }
                    else
                    {
                        invalid++;
                    }
                }

                cost += new ReadCost(1, response.ConsumedCapacity?.CapacityUnits ?? 0, read, invalid);
                request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
            }
            while (request.ExclusiveStartKey is not null && appended < range.MaxEntries);
        }

        return cost;
    }
}
