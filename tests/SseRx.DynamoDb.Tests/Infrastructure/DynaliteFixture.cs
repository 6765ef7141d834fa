using System.Reactive.Concurrency;
using Amazon.DynamoDBv2;

namespace SseRx.DynamoDb.Tests.Infrastructure;

/// <summary>One dynalite server for a test collection; each test makes its own tables, so tests never share data.</summary>
public sealed class DynaliteFixture : IAsyncLifetime
{
    private static int s_tables;

    public DynaliteServer Server { get; private set; } = null!;

    /// <summary>A client shared by the tests of the collection, for setting up data.</summary>
    public IAmazonDynamoDB Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await DynaliteServer.StartAsync();
        Client = Server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    /// <summary>Creates both tables under fresh names and returns options that point at them.</summary>
    public async Task<DynamoDbStoreOptions> CreateTablesAsync(Action<DynamoDbStoreOptions>? configure = null)
    {
        var options = NewOptions();
        configure?.Invoke(options);
        await DynamoDbTables.EnsureCreatedAsync(Client, options, allowCreate: true, Scheduler.Default);
        return options;
    }

    /// <summary>Options with fresh table names (not created).</summary>
    public DynamoDbStoreOptions NewOptions()
    {
        var n = Interlocked.Increment(ref s_tables);
        var suffix = $"{Environment.ProcessId}-{n}";
        return new DynamoDbStoreOptions
        {
            ServiceUrl = Server.ServiceUrl,
            ItemsTable = "items-" + suffix,
            ConfigurationsTable = "configs-" + suffix,
        };
    }
}

[CollectionDefinition(Name)]
public sealed class DynaliteCollection : ICollectionFixture<DynaliteFixture>
{
    public const string Name = "dynalite";
}
