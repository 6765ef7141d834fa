using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using SseRx.DynamoDb;

namespace SseRx.Host.DynamoDb;

/// <summary>
/// Checks at start-up that both tables exist with the expected keys and that the credentials work, so a
/// misconfigured host fails once with a message that says what to fix instead of logging poll failures forever.
/// </summary>
public static class DynamoDbStartupCheck
{
    /// <summary>
    /// Describes both tables (<c>DescribeTable</c>) and throws one <see cref="InvalidOperationException"/> whose
    /// message names the problem and the fix: a missing table, a table with the wrong key schema, rejected
    /// credentials, or an unreachable endpoint. When a request failed, its exception is the inner exception.
    /// </summary>
    /// <param name="client">The client the stores will use.</param>
    /// <param name="options">The table names and the create-tables settings (named in the messages).</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <exception cref="InvalidOperationException">A table is missing or unusable, or DynamoDB cannot be reached or refuses the credentials.</exception>
    public static async Task VerifyAsync(IAmazonDynamoDB client, DynamoDbStoreOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        foreach (var table in DynamoDbTables.Definitions(options))
        {
            var description = await DescribeAsync(client, options, table.Name, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException(MissingTableMessage(client, options, table.Name));
            CheckUsable(client, table, description);
        }
    }

    /// <summary>Describes a table, or returns <see langword="null"/> when it does not exist; other failures become the start-up error.</summary>
    internal static async Task<TableDescription?> DescribeAsync(
        IAmazonDynamoDB client, DynamoDbStoreOptions options, string table, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.DescribeTableAsync(new DescribeTableRequest { TableName = table }, cancellationToken)
                .ConfigureAwait(false);
            return response.Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
        catch (AmazonServiceException e) when (!DynamoDbErrors.IsTransient(e))
        {
            throw new InvalidOperationException(
                $"DynamoDB at {DynamoDbClientFactory.DescribeEndpoint(client)} refused to describe table '{table}' ({e.ErrorCode}: {e.Message}). " +
                "Check the AWS credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an IAM role) and that they allow " +
                $"dynamodb:DescribeTable, Query, GetItem, PutItem, UpdateItem and DeleteItem on '{options.ItemsTable}' and '{options.ConfigurationsTable}'.",
                e);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException(
                $"Cannot reach DynamoDB at {DynamoDbClientFactory.DescribeEndpoint(client)}: {e.Message} " +
                "Check SseRx__DynamoDb__ServiceUrl and SseRx__DynamoDb__Region, that the server is running, and that AWS credentials are configured.",
                e);
        }
    }

    internal static string MissingTableMessage(IAmazonDynamoDB client, DynamoDbStoreOptions options, string table)
    {
        var where = DynamoDbClientFactory.DescribeEndpoint(client);
        if (options.CreateTables && !options.MayCreateTables)
        {
            return $"DynamoDB table '{table}' not found at {where}. SseRx__DynamoDb__CreateTables=true is ignored because the " +
                "service URL is not a loopback address: create the table (the CDK app does), or also set " +
                "SseRx__DynamoDb__AllowCreateTablesInAws=true to let the host create it in AWS.";
        }

        return $"DynamoDB table '{table}' not found at {where}. Create it, or set SseRx__DynamoDb__CreateTables=true for a local server.";
    }

    private static void CheckUsable(IAmazonDynamoDB client, TableDefinition table, TableDescription description)
    {
        var where = DynamoDbClientFactory.DescribeEndpoint(client);
        var status = description.TableStatus;
        if (status != TableStatus.ACTIVE && status != TableStatus.UPDATING)
        {
            throw new InvalidOperationException(
                $"DynamoDB table '{table.Name}' at {where} is {status}, not ACTIVE. Wait until it is active, then start again.");
        }

        if (!table.MatchesKeys(description))
        {
            throw new InvalidOperationException(
                $"DynamoDB table '{table.Name}' at {where} has the key schema {TableDefinition.DescribeKeys(description)}; " +
                $"SseRx needs {table.DescribeExpectedKeys()}. Point the setting at a table with that key schema, or create one.");
        }
    }
}
