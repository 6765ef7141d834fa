using System.Reactive.Concurrency;
using Amazon.DynamoDBv2;

namespace SseRx.Host.DynamoDb;

/// <summary>
/// Both DynamoDB stores over one client, built from <see cref="DynamoDbStoreOptions"/>: what a host registers for
/// <c>SseRx:Store=dynamodb</c>, without naming a single AWS SDK type itself.
/// </summary>
/// <remarks>
/// Thread-safe. Owns the client it creates and disposes it in <see cref="Dispose"/>; the stores must not be used after that.
/// </remarks>
public sealed class DynamoDbStores : IDisposable
{
    private readonly IAmazonDynamoDB _client;
    private readonly bool _ownsClient;

    private DynamoDbStores(IAmazonDynamoDB client, bool ownsClient, DynamoDbStoreOptions options, IScheduler scheduler)
    {
        _client = client;
        _ownsClient = ownsClient;
        Options = options;
        Items = new DynamoDbSentimentStore(client, options, scheduler);
        Configurations = new DynamoDbConfigurationStore(client, options, scheduler);
    }

    /// <summary>The options the stores were built with.</summary>
    public DynamoDbStoreOptions Options { get; }

    /// <summary>The items store: the feed's source and the history a client resumes from.</summary>
    public DynamoDbSentimentStore Items { get; }

    /// <summary>The configurations store.</summary>
    public DynamoDbConfigurationStore Configurations { get; }

    /// <summary>Where the stores send requests, for logs: the service URL and region, or the AWS region.</summary>
    public string Endpoint => DynamoDbClientFactory.DescribeEndpoint(_client);

    /// <summary>Creates the stores over a new client from <see cref="DynamoDbClientFactory.Create"/>.</summary>
    /// <param name="options">Endpoint, tables and timing; validated here.</param>
    /// <param name="scheduler">The clock and the scheduler of configuration watches.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names it.</exception>
    public static DynamoDbStores Create(DynamoDbStoreOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        var client = DynamoDbClientFactory.Create(options);
        try
        {
            return new DynamoDbStores(client, ownsClient: true, options, scheduler);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Creates the stores over <paramref name="client"/>, which the caller keeps and disposes.</summary>
    /// <inheritdoc cref="Create(DynamoDbStoreOptions, IScheduler)"/>
    public static DynamoDbStores Create(IAmazonDynamoDB client, DynamoDbStoreOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        return new DynamoDbStores(client, ownsClient: false, options, scheduler);
    }

    /// <summary>
    /// The start-up step: creates missing tables when <see cref="DynamoDbStoreOptions.MayCreateTables"/> allows it,
    /// then checks both tables (<see cref="DynamoDbStartupCheck.VerifyAsync"/>). Call once before serving.
    /// </summary>
    /// <returns>The tables created (empty when both existed).</returns>
    /// <exception cref="InvalidOperationException">A table is missing or unusable, or DynamoDB is unreachable or refuses the credentials; the message says what to fix.</exception>
    public Task<IReadOnlyList<string>> InitializeAsync(CancellationToken cancellationToken) =>
        DynamoDbTables.EnsureCreatedAsync(_client, Options, Options.MayCreateTables, cancellationToken);

    /// <summary>Disposes the client if these stores created it.</summary>
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }
}
