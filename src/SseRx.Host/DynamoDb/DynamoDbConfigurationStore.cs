using System.Reactive.Concurrency;
using System.Reactive.Linq;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using SseRx.Host.Configurations;
using SseRx.DynamoDb;

namespace SseRx.Host.DynamoDb;

/// <summary>
/// Users' configurations in the DynamoDB configurations table, shared by every process that points at it.
/// </summary>
/// <remarks>
/// <para>
/// Keys are (<c>owner_id</c>, <c>config_id</c>), so every read and write is scoped to its owner by the key itself:
/// another owner's id is simply not found. Updates and deletes are conditional on the item existing, so they never
/// resurrect a deleted configuration. Reads are strongly consistent, so an edit is visible to the next read on any process.
/// </para>
/// <para>
/// <see cref="Watch"/> re-reads the item every <see cref="DynamoDbStoreOptions.ConfigurationPollInterval"/>, once
/// per (owner, id) per process however many streams watch it; an edit made on any process reaches the watchers
/// within one interval. Read failures back off (the <c>Poll</c> operator) and emit nothing, so an outage never looks
/// like a change or a deletion.
/// </para>
/// <para>Thread-safe. The client is not disposed by the store.</para>
/// </remarks>
public sealed class DynamoDbConfigurationStore : IConfigurationStore
{
    private static readonly IEqualityComparer<UserConfiguration?> SameVersion = new VersionComparer();

    private readonly IAmazonDynamoDB _client;
    private readonly string _table;
    private readonly IScheduler _scheduler;
    private readonly PollOptions _watchPoll;
    private readonly SharedWatches<(string OwnerId, string Id), UserConfiguration?> _watches;

    /// <summary>Creates a store over the table <see cref="DynamoDbStoreOptions.ConfigurationsTable"/>.</summary>
    /// <param name="client">The DynamoDB client; not disposed by the store.</param>
    /// <param name="options">The table and <see cref="DynamoDbStoreOptions.ConfigurationPollInterval"/>; validated and read once here.</param>
    /// <param name="scheduler">The clock for <c>created_at</c>/<c>updated_at</c>, and the scheduler watches poll on.</param>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="DynamoDbStoreOptions.Validate"/>).</exception>
    public DynamoDbConfigurationStore(IAmazonDynamoDB client, DynamoDbStoreOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        _client = client;
        _table = options.ConfigurationsTable;
        _scheduler = scheduler;
        _watchPoll = new PollOptions
        {
            Interval = options.ConfigurationPollInterval,
            IsTransient = DynamoDbErrors.IsTransient,
        };
        _watches = new SharedWatches<(string, string), UserConfiguration?>(
            key => SseObservable.Poll(ct => ReadVersionAsync(key.Item1, key.Item2, ct), _watchPoll, null, _scheduler)
                .Select(static version => version.Configuration)
                .DistinctUntilChanged(SameVersion),
            EqualityComparer<(string, string)>.Default);
    }

    /// <summary>The number of (owner, id) pairs being polled for watchers; for tests and diagnostics.</summary>
    internal int ActiveWatchCount => _watches.ActiveCount;

    /// <inheritdoc />
    public async Task<UserConfiguration?> GetAsync(string ownerId, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(id);
        if (ownerId.Length == 0 || id.Length == 0)
        {
            // DynamoDB rejects empty key strings; nothing can be stored under one.
            return null;
        }

        var response = await _client.GetItemAsync(
            new GetItemRequest { TableName = _table, Key = ConfigurationSchema.Key(ownerId, id), ConsistentRead = true },
            cancellationToken).ConfigureAwait(false);
        return ConfigurationSchema.Read(response.Item);
    }

    /// <inheritdoc />
    /// <remarks>One <c>Query</c> on the owner's partition (paginated); never touches other owners' items.</remarks>
    public async Task<IReadOnlyList<UserConfiguration>> ListAsync(string ownerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        var result = new List<UserConfiguration>();
        if (ownerId.Length == 0)
        {
            return result;
        }

        var request = new QueryRequest
        {
            TableName = _table,
            KeyConditionExpression = "#o = :o",
            ExpressionAttributeNames = new Dictionary<string, string>(1, StringComparer.Ordinal) { ["#o"] = ConfigurationSchema.OwnerId },
            ExpressionAttributeValues = new Dictionary<string, AttributeValue>(1, StringComparer.Ordinal) { [":o"] = new() { S = ownerId } },
            ConsistentRead = true,
        };
        do
        {
            var response = await _client.QueryAsync(request, cancellationToken).ConfigureAwait(false);
            foreach (var attributes in response.Items ?? [])
            {
                if (ConfigurationSchema.Read(attributes) is { } configuration)
                {
                    result.Add(configuration);
                }
            }

            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);

        result.Sort(static (a, b) =>
        {
            var byCreation = a.CreatedAt.CompareTo(b.CreatedAt);
            return byCreation != 0 ? byCreation : string.CompareOrdinal(a.Id, b.Id);
        });
        return result;
    }

    /// <inheritdoc />
    /// <remarks>The id is a version-7 GUID in hex: opaque, URL-safe, and sorted by creation time.</remarks>
    public async Task<UserConfiguration> CreateAsync(
        string ownerId, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(ownerId);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tickers);
        var now = _scheduler.Now.ToUniversalTime();
        var configuration = new UserConfiguration(
            Guid.CreateVersion7(now).ToString("N"), ownerId, name, tickers.ToArray(), now, now);
        await _client.PutItemAsync(
            new PutItemRequest
            {
                TableName = _table,
                Item = ConfigurationSchema.ToAttributes(configuration),

                // Never overwrite: a colliding id must fail loudly, not replace someone's configuration.
                ConditionExpression = "attribute_not_exists(#c)",
                ExpressionAttributeNames = new Dictionary<string, string>(1, StringComparer.Ordinal) { ["#c"] = ConfigurationSchema.ConfigId },
            },
            cancellationToken).ConfigureAwait(false);
        return configuration;
    }

    /// <inheritdoc />
    /// <remarks>An <c>UpdateItem</c> conditional on the item existing under this owner; sets <c>updated_at</c> to now.</remarks>
    public async Task<UserConfiguration?> UpdateAsync(
        string ownerId, string id, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tickers);
        if (ownerId.Length == 0 || id.Length == 0)
        {
            return null;
        }

        try
        {
            var response = await _client.UpdateItemAsync(
                new UpdateItemRequest
                {
                    TableName = _table,
                    Key = ConfigurationSchema.Key(ownerId, id),
                    UpdateExpression = "SET #n = :n, #t = :t, #u = :u",
                    ConditionExpression = "attribute_exists(#c)",
                    ExpressionAttributeNames = new Dictionary<string, string>(4, StringComparer.Ordinal)
                    {
                        ["#n"] = ConfigurationSchema.Name,
                        ["#t"] = ConfigurationSchema.Tickers,
                        ["#u"] = ConfigurationSchema.UpdatedAt,
                        ["#c"] = ConfigurationSchema.ConfigId,
                    },
                    ExpressionAttributeValues = new Dictionary<string, AttributeValue>(3, StringComparer.Ordinal)
                    {
                        [":n"] = new() { S = name },
                        [":t"] = ConfigurationSchema.TickerList(tickers),
                        [":u"] = ConfigurationSchema.Timestamp(_scheduler.Now),
                    },
                    ReturnValues = ReturnValue.ALL_NEW,
                },
                cancellationToken).ConfigureAwait(false);
            return ConfigurationSchema.Read(response.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    /// <remarks>A <c>DeleteItem</c> conditional on the item existing under this owner.</remarks>
    public async Task<bool> DeleteAsync(string ownerId, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(id);
        if (ownerId.Length == 0 || id.Length == 0)
        {
            return false;
        }

        try
        {
            await _client.DeleteItemAsync(
                new DeleteItemRequest
                {
                    TableName = _table,
                    Key = ConfigurationSchema.Key(ownerId, id),
                    ConditionExpression = "attribute_exists(#c)",
                    ExpressionAttributeNames = new Dictionary<string, string>(1, StringComparer.Ordinal) { ["#c"] = ConfigurationSchema.ConfigId },
                },
                cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Shared per (owner, id): the first subscriber starts one poll (<c>GetItem</c> every
    /// <see cref="DynamoDbStoreOptions.ConfigurationPollInterval"/>), later subscribers get the latest value at once,
    /// and the poll stops when the last one leaves. Emits when <c>updated_at</c>, the name or the tickers differ from
    /// the last value; <see langword="null"/> once when the item is deleted (or at subscription, if it does not exist).
    /// Never completes or fails: read errors back off and are retried.
    /// </remarks>
    public IObservable<UserConfiguration?> Watch(string ownerId, string id)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(id);
        return _watches.Watch((ownerId, id));
    }

    // Poll treats a null result as a failed fetch, so "not found" travels wrapped in a struct.
    private async Task<Version> ReadVersionAsync(string ownerId, string id, CancellationToken cancellationToken) =>
        new(await GetAsync(ownerId, id, cancellationToken).ConfigureAwait(false));

    private readonly record struct Version(UserConfiguration? Configuration);

    private sealed class VersionComparer : IEqualityComparer<UserConfiguration?>
    {
        public bool Equals(UserConfiguration? x, UserConfiguration? y) =>
            ReferenceEquals(x, y) ||
            (x is not null && y is not null &&
             x.UpdatedAt == y.UpdatedAt &&
             x.Name == y.Name &&
             x.Tickers.SequenceEqual(y.Tickers, StringComparer.Ordinal));

        public int GetHashCode(UserConfiguration? obj) => obj?.UpdatedAt.GetHashCode() ?? 0;
    }
}
