using SseRx.Host.Tests.Infrastructure;

namespace SseRx.DynamoDb.Tests.Host;

/// <summary>Starts the real host (a "process") with <c>SseRx:Store=dynamodb</c> on the given server and tables.</summary>
internal static class DynamoDbHost
{
    public static SseRxApp Start(DynamoDbStoreOptions tables, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Store"] = "dynamodb",
            ["DynamoDb:ServiceUrl"] = tables.ServiceUrl,
            ["DynamoDb:ItemsTable"] = tables.ItemsTable,
            ["DynamoDb:ConfigurationsTable"] = tables.ConfigurationsTable,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return SseRxApp.Start(settings);
    }

    public static Dictionary<string, string> As(string userId) => new() { ["X-User-ID"] = userId };
}
