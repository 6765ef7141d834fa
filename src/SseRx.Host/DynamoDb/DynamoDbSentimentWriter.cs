using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using SseRx.Host.Sentiment;

namespace SseRx.Host.DynamoDb;

/// <summary>
/// Writes analysed items into the items table in the layout <see cref="DynamoDbSentimentStore"/> reads: the ingest
/// simulator uses it, and it documents by example what the sentiment pipeline must write.
/// </summary>
/// <remarks>
/// Writes are idempotent: an item's key is derived from its timestamp and id, so writing it again overwrites it.
/// Thread-safe; the client is not disposed by the writer.
/// </remarks>
public sealed class DynamoDbSentimentWriter
{
    /// <summary>The most items one <c>BatchWriteItem</c> request may carry (a DynamoDB limit).</summary>
    public const int MaxBatchSize = 25;

    private const int MaxUnprocessedRetries = 8;

    private readonly IAmazonDynamoDB _client;
    private readonly string _table;
    private readonly TimeSpan _timeToLive;
    private readonly IScheduler _scheduler;

    /// <summary>Creates a writer to <see cref="DynamoDbStoreOptions.ItemsTable"/>.</summary>
    /// <param name="client">The DynamoDB client; not disposed by the writer.</param>
    /// <param name="options">The table and <see cref="DynamoDbStoreOptions.ItemTimeToLive"/>; validated and read once here.</param>
    /// <param name="scheduler">Times the back-off between retries of items DynamoDB left unprocessed.</param>
    public DynamoDbSentimentWriter(IAmazonDynamoDB client, DynamoDbStoreOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        _client = client;
        _table = options.ItemsTable;
        _timeToLive = options.ItemTimeToLive;
        _scheduler = scheduler;
    }

    /// <summary>Creates a writer that backs off on <see cref="Scheduler.Default"/>.</summary>
    /// <inheritdoc cref="DynamoDbSentimentWriter(IAmazonDynamoDB, DynamoDbStoreOptions, IScheduler)"/>
    public DynamoDbSentimentWriter(IAmazonDynamoDB client, DynamoDbStoreOptions options)
        : this(client, options, Scheduler.Default)
    {
    }

    /// <summary>Writes one item (<c>PutItem</c>).</summary>
    /// <exception cref="ArgumentException">The item is invalid (see <see cref="SentimentItem.Validate"/>); nothing is written.</exception>
    /// <exception cref="Amazon.Runtime.AmazonServiceException">DynamoDB refused the write.</exception>
    public async Task WriteAsync(SentimentItem item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ThrowIfInvalid(item, nameof(item));
        await _client.PutItemAsync(
            new PutItemRequest { TableName = _table, Item = ItemSchema.ToAttributes(item, _timeToLive) },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes items in <c>BatchWriteItem</c> requests of up to <see cref="MaxBatchSize"/>, retrying the ones
    /// DynamoDB leaves unprocessed (throttling) with an exponential back-off from 50 ms.
    /// </summary>
    /// <exception cref="ArgumentException">An item is invalid; nothing is written.</exception>
    /// <exception cref="Amazon.Runtime.AmazonServiceException">DynamoDB refused a request; earlier batches may have been written.</exception>
    /// <exception cref="InvalidOperationException">Items were still unprocessed after 8 retries; earlier ones may have been written.</exception>
    public async Task WriteBatchAsync(IReadOnlyList<SentimentItem> items, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (var i = 0; i < items.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(items[i], nameof(items));
            ThrowIfInvalid(items[i], nameof(items));
        }

        for (var start = 0; start < items.Count; start += MaxBatchSize)
        {
            var count = Math.Min(MaxBatchSize, items.Count - start);
            var requests = new List<WriteRequest>(count);
            for (var i = start; i < start + count; i++)
            {
                requests.Add(new WriteRequest(new PutRequest(ItemSchema.ToAttributes(items[i], _timeToLive))));
            }

            await WriteChunkAsync(requests, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WriteChunkAsync(List<WriteRequest> requests, CancellationToken cancellationToken)
    {
        var pending = new Dictionary<string, List<WriteRequest>>(1, StringComparer.Ordinal) { [_table] = requests };
        for (var attempt = 0; ; attempt++)
        {
            var response = await _client.BatchWriteItemAsync(
                new BatchWriteItemRequest { RequestItems = pending }, cancellationToken).ConfigureAwait(false);
            if (response.UnprocessedItems is not { Count: > 0 } unprocessed ||
                !unprocessed.TryGetValue(_table, out var left) || left is not { Count: > 0 })
            {
                return;
            }

            if (attempt == MaxUnprocessedRetries)
            {
                throw new InvalidOperationException(
                    $"DynamoDB left {left.Count} item(s) unprocessed in '{_table}' after {MaxUnprocessedRetries} retries (throttling).");
            }

            pending = unprocessed;
            var delay = TimeSpan.FromMilliseconds(50 * (1 << attempt));
            await Observable.Timer(delay, _scheduler).ToTask(cancellationToken).ConfigureAwait(false);
        }
    }

    private static void ThrowIfInvalid(SentimentItem item, string parameterName)
    {
        if (item.Validate() is var (field, reason))
        {
            throw new ArgumentException($"Item '{item.ItemId}' is invalid: {field} {reason}.", parameterName);
        }
    }
}
