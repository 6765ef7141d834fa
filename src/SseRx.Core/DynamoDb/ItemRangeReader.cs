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
/// Reads a range of sort keys across consecutive hour buckets: one paginated <c>Query</c> per bucket, never a
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
    /// Appends to <paramref name="into"/>, oldest first, the valid items whose sort key lies in
    /// [<paramref name="lower"/>, <paramref name="upper"/>], stopping once <paramref name="maxItems"/> have been appended.
    /// </summary>
    /// <param name="lower">The inclusive lower bound: the first bucket read is the hour of its time.</param>
    /// <param name="upper">The inclusive upper bound: the last bucket read is the hour of its time.</param>
    /// <param name="maxItems">The most items to append.</param>
    /// <param name="skip">An item id not to append (an exclusive cursor), or <see langword="null"/>.</param>
    /// <param name="into">Receives the items.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    public async Task<ReadCost> ReadAsync(
        SseEventId lower, SseEventId upper, int maxItems, SseEventId? skip, List<SentimentItem> into,
        CancellationToken cancellationToken)
    {
        var cost = default(ReadCost);
        if (upper < lower)
        {
            return cost;
        }

        var lowerSortKey = lower.ToString();
        var upperSortKey = upper.ToString();
        var toMilliseconds = upper.UnixMilliseconds;
        var appended = 0;
        for (var hour = ItemSchema.HourStart(lower.UnixMilliseconds); hour <= toMilliseconds && appended < maxItems; hour += ItemSchema.HourMilliseconds)
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
                ReturnConsumedCapacity = ReturnConsumedCapacity.TOTAL,
            };

            do
            {
                if (maxItems != int.MaxValue)
                {
                    // One more than needed: the lower bound is inclusive, and the item at it may be skipped.
                    request.Limit = Math.Min(maxItems - appended + 1, 1000);
                }

                var response = await _client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
                var items = response.Items;
                var read = items?.Count ?? 0;
                var invalid = 0;
                for (var i = 0; i < read && appended < maxItems; i++)
                {
                    if (ItemSchema.TryRead(items![i], out var item))
                    {
                        if (skip is not { } skipped || item.EventId != skipped)
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
            while (request.ExclusiveStartKey is not null && appended < maxItems);
        }

        return cost;
    }
}
