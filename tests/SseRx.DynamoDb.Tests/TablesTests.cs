using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using SseRx.DynamoDb.Tests.Infrastructure;

namespace SseRx.DynamoDb.Tests;

/// <summary>Table creation, and the one clear start-up error for a missing table, a wrong schema or an unreachable server.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class TablesTests(DynaliteFixture fixture)
{
    [Fact]
    public async Task EnsureCreated_creates_both_tables_with_the_documented_keys_once()
    {
        var options = fixture.NewOptions();

        var created = await DynamoDbTables.EnsureCreatedAsync(fixture.Client, options, allowCreate: true);
        Assert.Equal([options.ItemsTable, options.ConfigurationsTable], created);

        var items = (await fixture.Client.DescribeTableAsync(options.ItemsTable)).Table;
        Assert.Equal([("bucket", "HASH"), ("sk", "RANGE")], items.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));
        var configurations = (await fixture.Client.DescribeTableAsync(options.ConfigurationsTable)).Table;
        Assert.Equal([("owner_id", "HASH"), ("config_id", "RANGE")], configurations.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value)));

        Assert.Empty(await DynamoDbTables.EnsureCreatedAsync(fixture.Client, options, allowCreate: true));
        await DynamoDbStartupCheck.VerifyAsync(fixture.Client, options);
    }

    [Fact]
    public async Task Two_processes_creating_the_same_tables_at_once_both_succeed()
    {
        var options = fixture.NewOptions();
        using var other = fixture.Server.CreateClient();

        var results = await Task.WhenAll(
            DynamoDbTables.EnsureCreatedAsync(fixture.Client, options, allowCreate: true),
            DynamoDbTables.EnsureCreatedAsync(other, options, allowCreate: true));

        Assert.Equal(2, results.Sum(r => r.Count));
        await DynamoDbStartupCheck.VerifyAsync(fixture.Client, options);
    }

    [Fact]
    public async Task A_missing_table_gives_one_error_naming_the_table_the_endpoint_and_the_fix()
    {
        var options = fixture.NewOptions();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DynamoDbStartupCheck.VerifyAsync(fixture.Client, options));
        Assert.Equal(
            $"DynamoDB table '{options.ItemsTable}' not found at {fixture.Server.ServiceUrl} (region us-east-1). " +
            "Create it, or set SseRx__DynamoDb__CreateTables=true for a local server.",
            error.Message);

        var notAllowed = await Assert.ThrowsAsync<InvalidOperationException>(
            () => DynamoDbTables.EnsureCreatedAsync(fixture.Client, options, allowCreate: false));
        Assert.Equal(error.Message, notAllowed.Message);
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => fixture.Client.DescribeTableAsync(options.ItemsTable));
    }

    [Fact]
    public async Task A_missing_configurations_table_is_reported_by_name()
    {
        var options = fixture.NewOptions();
        await fixture.Client.CreateTableAsync(DynamoDbTables.Definitions(options)[0].ToCreateRequest());
        await WaitUntilActiveAsync(options.ItemsTable);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DynamoDbStartupCheck.VerifyAsync(fixture.Client, options));
        Assert.StartsWith($"DynamoDB table '{options.ConfigurationsTable}' not found at {fixture.Server.ServiceUrl}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateTables_against_AWS_without_the_extra_switch_is_refused_and_the_message_says_so()
    {
        var options = new DynamoDbStoreOptions { ServiceUrl = "https://dynamodb.eu-west-1.amazonaws.com", CreateTables = true };
        Assert.False(options.MayCreateTables);
        options.AllowCreateTablesInAws = true;
        Assert.True(options.MayCreateTables);

        // The message is built for a missing table; check it against the local server, pretending the URL is remote.
        var local = fixture.NewOptions();
        local.CreateTables = true;
        local.ServiceUrl = "https://dynamodb.eu-west-1.amazonaws.com";
        var message = DynamoDbStartupCheck.MissingTableMessage(fixture.Client, local, local.ItemsTable);
        Assert.Contains("SseRx__DynamoDb__CreateTables=true is ignored because the service URL is not a loopback address", message, StringComparison.Ordinal);
        Assert.Contains("SseRx__DynamoDb__AllowCreateTablesInAws=true", message, StringComparison.Ordinal);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_table_with_the_wrong_key_schema_is_reported_with_both_schemas()
    {
        var options = fixture.NewOptions();
        await DynamoDbTables.EnsureCreatedAsync(fixture.Client, new DynamoDbStoreOptions
        {
            ItemsTable = options.ItemsTable + "-unused",
            ConfigurationsTable = options.ConfigurationsTable,
        }, allowCreate: true);
        await fixture.Client.CreateTableAsync(new CreateTableRequest
        {
            TableName = options.ItemsTable,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new AttributeDefinition("id", ScalarAttributeType.S)],
            KeySchema = [new KeySchemaElement("id", KeyType.HASH)],
        });
        await WaitUntilActiveAsync(options.ItemsTable);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DynamoDbStartupCheck.VerifyAsync(fixture.Client, options));
        Assert.Contains($"'{options.ItemsTable}'", error.Message, StringComparison.Ordinal);
        Assert.Contains("has the key schema (id S HASH)", error.Message, StringComparison.Ordinal);
        Assert.Contains("SseRx needs (bucket S HASH, sk S RANGE)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_gives_one_error_naming_the_endpoint_and_the_setting()
    {
        var options = fixture.NewOptions();
        options.ServiceUrl = "http://127.0.0.1:1";
        using var client = DynamoDbClientFactory.Create(options);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => DynamoDbStartupCheck.VerifyAsync(client, options));
        Assert.StartsWith("Cannot reach DynamoDB at http://127.0.0.1:1 (region us-east-1):", error.Message, StringComparison.Ordinal);
        Assert.Contains("SseRx__DynamoDb__ServiceUrl", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8000", true)]
    [InlineData("http://localhost:8000", true)]
    [InlineData("http://[::1]:8000", true)]
    [InlineData("http://127.3.2.1:8000", true)]
    [InlineData("https://dynamodb.us-east-1.amazonaws.com", false)]
    [InlineData("http://10.0.0.5:8000", false)]
    [InlineData("not a url", false)]
    [InlineData(null, false)]
    public void Only_loopback_service_urls_count_as_a_local_server(string? url, bool local) =>
        Assert.Equal(local, DynamoDbClientFactory.IsLoopback(url));

    [Fact]
    public async Task The_factory_client_talks_to_a_local_server_with_no_AWS_setup()
    {
        var options = await fixture.CreateTablesAsync();
        using var client = DynamoDbClientFactory.Create(options);

        await DynamoDbStartupCheck.VerifyAsync(client, options);
        Assert.Equal($"{fixture.Server.ServiceUrl} (region us-east-1)", DynamoDbClientFactory.DescribeEndpoint(client));
    }

    [Fact]
    public void Options_are_validated_with_the_setting_named()
    {
        Assert.Equal("ServiceUrl", Assert.Throws<ArgumentException>(() => new DynamoDbStoreOptions { ServiceUrl = "ftp://x" }.Validate()).ParamName);
        Assert.Equal("ItemsTable", Assert.Throws<ArgumentException>(() => new DynamoDbStoreOptions { ItemsTable = " " }.Validate()).ParamName);
        Assert.Equal("ClockSkew", Assert.Throws<ArgumentOutOfRangeException>(() => new DynamoDbStoreOptions { ClockSkew = TimeSpan.FromSeconds(-1) }.Validate()).ParamName);
        new DynamoDbStoreOptions().Validate();
    }

    [Fact]
    public async Task Arguments_are_checked()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => DynamoDbStartupCheck.VerifyAsync(null!, new DynamoDbStoreOptions()));
        await Assert.ThrowsAsync<ArgumentNullException>(() => DynamoDbStartupCheck.VerifyAsync(fixture.Client, null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => DynamoDbTables.EnsureCreatedAsync(null!, new DynamoDbStoreOptions(), true));
        Assert.Throws<ArgumentNullException>(() => DynamoDbClientFactory.Create(null!));
        Assert.IsAssignableFrom<IAmazonDynamoDB>(fixture.Client);
    }

    private async Task WaitUntilActiveAsync(string table)
    {
        while ((await fixture.Client.DescribeTableAsync(table)).Table.TableStatus != TableStatus.ACTIVE)
        {
            await Task.Delay(20);
        }
    }
}
