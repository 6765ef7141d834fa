using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace SseRx.Host.DynamoDb;

/// <summary>Creates the two tables SseRx needs, for local servers and tests; in AWS the CDK app owns them.</summary>
public static class DynamoDbTables
{
    private static readonly TimeSpan StatusPollInterval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan CreationTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Makes sure both tables exist and are usable. A missing table is created (on-demand capacity; the items table
    /// with TTL on <c>expires_at</c>) when <paramref name="allowCreate"/> is set; a new table, or one another process
    /// is still creating, is waited for until it is ACTIVE.
    /// Finishes with <see cref="DynamoDbStartupCheck.VerifyAsync"/>.
    /// </summary>
    /// <param name="client">The client to use; not disposed.</param>
    /// <param name="options">The table names.</param>
    /// <param name="allowCreate">
    /// Whether missing tables may be created. The host passes <see cref="DynamoDbStoreOptions.MayCreateTables"/>,
    /// which is never true against AWS unless <see cref="DynamoDbStoreOptions.AllowCreateTablesInAws"/> is set.
    /// </param>
    /// <param name="scheduler">Times the wait for a new table to become ACTIVE.</param>
    /// <param name="cancellationToken">Cancels the requests and the wait.</param>
    /// <returns>The names of the tables this call created (empty when both existed). Safe to run from several processes at once.</returns>
    /// <exception cref="InvalidOperationException">
    /// A table is missing and may not be created, never became ACTIVE within 2 minutes, or is unusable; the message says what to fix.
    /// </exception>
    public static async Task<IReadOnlyList<string>> EnsureCreatedAsync(
        IAmazonDynamoDB client, DynamoDbStoreOptions options, bool allowCreate, IScheduler scheduler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();

        var created = new List<string>();
        foreach (var table in Definitions(options))
        {
            var description = await DynamoDbStartupCheck.DescribeAsync(client, options, table.Name, cancellationToken).ConfigureAwait(false);
            if (description?.TableStatus == TableStatus.ACTIVE)
            {
                continue;
            }

            if (description is null)
            {
                if (!allowCreate)
                {
                    throw new InvalidOperationException(DynamoDbStartupCheck.MissingTableMessage(client, options, table.Name));
                }

                try
                {
                    await client.CreateTableAsync(table.ToCreateRequest(), cancellationToken).ConfigureAwait(false);
                    created.Add(table.Name);
                }
                catch (ResourceInUseException)
                {
                    // Another process (the simulator, a second host) is creating it at the same moment: wait for it instead.
                }
            }

            await WaitUntilActiveAsync(client, options, table.Name, scheduler, cancellationToken).ConfigureAwait(false);
            if (table.TimeToLiveAttribute is { } ttl && created.Contains(table.Name))
            {
                await EnableTimeToLiveAsync(client, table.Name, ttl, cancellationToken).ConfigureAwait(false);
            }
        }

        await DynamoDbStartupCheck.VerifyAsync(client, options, cancellationToken).ConfigureAwait(false);
        return created;
    }

    /// <summary>As the overload with a scheduler, waiting on <see cref="Scheduler.Default"/>.</summary>
    /// <inheritdoc cref="EnsureCreatedAsync(IAmazonDynamoDB, DynamoDbStoreOptions, bool, IScheduler, CancellationToken)"/>
    public static Task<IReadOnlyList<string>> EnsureCreatedAsync(
        IAmazonDynamoDB client, DynamoDbStoreOptions options, bool allowCreate, CancellationToken cancellationToken = default) =>
        EnsureCreatedAsync(client, options, allowCreate, Scheduler.Default, cancellationToken);

    internal static TableDefinition[] Definitions(DynamoDbStoreOptions options) =>
    [
        new(options.ItemsTable, ItemSchema.Bucket, ItemSchema.SortKey, ItemSchema.ExpiresAt),
        new(options.ConfigurationsTable, ConfigurationSchema.OwnerId, ConfigurationSchema.ConfigId, null),
    ];

    private static async Task WaitUntilActiveAsync(
        IAmazonDynamoDB client, DynamoDbStoreOptions options, string table, IScheduler scheduler, CancellationToken cancellationToken)
    {
        var deadline = scheduler.Now + CreationTimeout;
        while (true)
        {
            var description = await DynamoDbStartupCheck.DescribeAsync(client, options, table, cancellationToken).ConfigureAwait(false);
            if (description?.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }

            if (scheduler.Now >= deadline)
            {
                throw new InvalidOperationException(
                    $"DynamoDB table '{table}' at {DynamoDbClientFactory.DescribeEndpoint(client)} was not ACTIVE {CreationTimeout.TotalMinutes} minutes after it was created.");
            }

            await Observable.Timer(StatusPollInterval, scheduler).ToTask(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task EnableTimeToLiveAsync(IAmazonDynamoDB client, string table, string attribute, CancellationToken cancellationToken)
    {
        try
        {
            await client.UpdateTimeToLiveAsync(
                new UpdateTimeToLiveRequest
                {
                    TableName = table,
                    TimeToLiveSpecification = new TimeToLiveSpecification { AttributeName = attribute, Enabled = true },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonDynamoDBException e) when (e.ErrorCode == "UnknownOperationException")
        {
            // dynalite has no TTL; expiry only saves storage, and readers never depend on it.
        }
    }
}
