namespace SseRx.Host.DynamoDb;

/// <summary>
/// Options for the DynamoDB stores: where DynamoDB is, which tables to use, and the timing of the queries.
/// Binds from the host's <c>SseRx:DynamoDb</c> section (environment form <c>SseRx__DynamoDb__Name</c>).
/// </summary>
/// <remarks>
/// Read once when a store is created; changing an instance afterwards has no effect on stores already built.
/// Not thread-safe to mutate. Call <see cref="Validate"/> (the stores do) to fail early with a clear message.
/// </remarks>
public sealed class DynamoDbStoreOptions
{
    /// <summary>The default name of the items table.</summary>
    public const string DefaultItemsTable = "sserx-items";

    /// <summary>The default name of the configurations table.</summary>
    public const string DefaultConfigurationsTable = "sserx-configurations";

    /// <summary>
    /// The endpoint of a DynamoDB-compatible server, for example <c>http://127.0.0.1:8000</c> for dynalite.
    /// Default <see langword="null"/>: real DynamoDB in <see cref="Region"/>.
    /// </summary>
    public string? ServiceUrl { get; set; }

    /// <summary>The AWS region (also the signing region for <see cref="ServiceUrl"/>). Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>The items table (partition key <c>bucket</c>, sort key <c>sk</c>). Default <c>sserx-items</c>.</summary>
    public string ItemsTable { get; set; } = DefaultItemsTable;

    /// <summary>The configurations table (partition key <c>owner_id</c>, sort key <c>config_id</c>). Default <c>sserx-configurations</c>.</summary>
    public string ConfigurationsTable { get; set; } = DefaultConfigurationsTable;

    /// <summary>
    /// Create missing tables at start-up. Default <see langword="false"/>. Honoured only when <see cref="ServiceUrl"/>
    /// is a loopback address, or when <see cref="AllowCreateTablesInAws"/> is also set.
    /// </summary>
    public bool CreateTables { get; set; }

    /// <summary>Let <see cref="CreateTables"/> create tables in real AWS. Default <see langword="false"/>: use the CDK app there.</summary>
    public bool AllowCreateTablesInAws { get; set; }

    /// <summary>
    /// How late an item may become readable after its timestamp: the writer's clock against this process's, plus the
    /// write's own duration (reads are strongly consistent). The feed delivers an item once it is this old, so every
    /// instance reads the same items and a client can resume anywhere; it is therefore also added to every item's
    /// delivery latency. Writers must stamp an item just before writing it. Default 1 second.
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often a configuration watch re-reads its item. Default 5 seconds (the feed's poll interval).</summary>
    public TimeSpan ConfigurationPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long after its timestamp a written item expires (the items table's TTL attribute <c>expires_at</c>).
    /// Default 2 days. DynamoDB deletes expired items lazily; readers never depend on it.
    /// </summary>
    public TimeSpan ItemTimeToLive { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Whether <see cref="ServiceUrl"/> is set and points at this machine (a local DynamoDB-compatible server).</summary>
    public bool IsLocalServer => DynamoDbClientFactory.IsLoopback(ServiceUrl);

    /// <summary>Whether <see cref="CreateTables"/> may take effect: it is set, and the server is local or creation in AWS is allowed.</summary>
    public bool MayCreateTables => CreateTables && (IsLocalServer || AllowCreateTablesInAws);

    /// <summary>Throws when a value is missing or out of range; the message names the setting.</summary>
    /// <exception cref="ArgumentException">A table name or the region is empty, or the service URL is not an absolute http(s) URL.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A duration is out of range.</exception>
    public void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(ItemsTable, nameof(ItemsTable));
        ArgumentException.ThrowIfNullOrWhiteSpace(ConfigurationsTable, nameof(ConfigurationsTable));
        ArgumentException.ThrowIfNullOrWhiteSpace(Region, nameof(Region));
        if (ServiceUrl is not null &&
            (!Uri.TryCreate(ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw new ArgumentException($"ServiceUrl '{ServiceUrl}' is not an absolute http or https URL.", nameof(ServiceUrl));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ClockSkew, TimeSpan.Zero, nameof(ClockSkew));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ClockSkew, TimeSpan.FromMinutes(30), nameof(ClockSkew));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ConfigurationPollInterval, TimeSpan.Zero, nameof(ConfigurationPollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ItemTimeToLive, TimeSpan.Zero, nameof(ItemTimeToLive));
    }
}
