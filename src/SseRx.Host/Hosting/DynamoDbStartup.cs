using Microsoft.Extensions.Options;
using SseRx.Host.DynamoDb;

namespace SseRx.Host.Hosting;

/// <summary>
/// With <c>SseRx:Store=dynamodb</c>, checks the tables once before the host serves (creating them first when
/// <c>SseRx:DynamoDb:CreateTables</c> is allowed), so a missing table, bad credentials or a wrong endpoint stop the
/// start with one message that says what to fix instead of a poll failing forever.
/// </summary>
internal sealed partial class DynamoDbStartup(
    IServiceProvider services,
    IOptions<SseRxHostOptions> options,
    ILogger<DynamoDbStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Store != SseRxStoreKind.DynamoDb)
        {
            return;
        }

        try
        {
            DynamoDbStores stores;
            try
            {
                stores = services.GetRequiredService<DynamoDbStores>();
            }
            catch (ArgumentException e)
            {
                throw new InvalidOperationException($"{DynamoDbStoreRegistration.SectionName} is invalid: {e.Message}", e);
            }

            var created = await stores.InitializeAsync(cancellationToken);
            var endpoint = stores.Endpoint;
            if (created.Count > 0)
            {
                var tables = string.Join(", ", created);
                LogCreated(logger, tables, endpoint);
            }

            LogReady(logger, stores.Options.ItemsTable, stores.Options.ConfigurationsTable, endpoint);
        }
        catch (InvalidOperationException e)
        {
            // The message is the whole story; the exception (and its stack) still fails the start.
            LogCannotStart(logger, e.Message);
            throw;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Created DynamoDB table(s) {Tables} at {Endpoint}")]
    private static partial void LogCreated(ILogger logger, string tables, string endpoint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Using DynamoDB tables '{ItemsTable}' and '{ConfigurationsTable}' at {Endpoint}")]
    private static partial void LogReady(ILogger logger, string itemsTable, string configurationsTable, string endpoint);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Cannot start: {Reason}")]
    private static partial void LogCannotStart(ILogger logger, string reason);
}
