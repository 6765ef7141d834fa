using System.Globalization;
using Amazon.DynamoDBv2.Model;
using SseRx.Host.Configurations;

namespace SseRx.Host.DynamoDb;

/// <summary>The layout of the configurations table: one partition per owner, one item per configuration.</summary>
internal static class ConfigurationSchema
{
    public const string OwnerId = "owner_id";
    public const string ConfigId = "config_id";
    public const string Name = "name";
    public const string Tickers = "tickers";
    public const string CreatedAt = "created_at";
    public const string UpdatedAt = "updated_at";

    // Round-trip ("O") text in UTC: sortable, exact to the tick, readable in the console.
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    public static Dictionary<string, AttributeValue> Key(string ownerId, string id) => new(2, StringComparer.Ordinal)
    {
        [OwnerId] = new() { S = ownerId },
        [ConfigId] = new() { S = id },
    };

    public static Dictionary<string, AttributeValue> ToAttributes(UserConfiguration configuration)
    {
        var attributes = Key(configuration.OwnerId, configuration.Id);
        attributes[Name] = new() { S = configuration.Name };
        attributes[Tickers] = TickerList(configuration.Tickers);
        attributes[CreatedAt] = Timestamp(configuration.CreatedAt);
        attributes[UpdatedAt] = Timestamp(configuration.UpdatedAt);
        return attributes;
    }

    /// <summary>A list (<c>L</c>), not a string set: it keeps the owner's order and may be empty.</summary>
    public static AttributeValue TickerList(IReadOnlyList<string> tickers)
    {
        var list = new List<AttributeValue>(tickers.Count);
        foreach (var ticker in tickers)
        {
            list.Add(new AttributeValue { S = ticker });
        }

        return new AttributeValue { L = list };
    }

    public static AttributeValue Timestamp(DateTimeOffset value) =>
        new() { S = value.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture) };

    /// <summary>Reads an item; a malformed one reads as <see langword="null"/> (treated as absent) rather than failing every caller.</summary>
    public static UserConfiguration? Read(Dictionary<string, AttributeValue>? attributes)
    {
        if (attributes is not { Count: > 0 } ||
            !TryGetString(attributes, OwnerId, out var ownerId) ||
            !TryGetString(attributes, ConfigId, out var id) ||
            !attributes.TryGetValue(Name, out var name) || name.S is null ||
            !TryGetTimestamp(attributes, CreatedAt, out var createdAt) ||
            !TryGetTimestamp(attributes, UpdatedAt, out var updatedAt))
        {
            return null;
        }

        var tickers = new List<string>();
        if (attributes.TryGetValue(Tickers, out var tickerValue))
        {
            // Also accept a string set, which other tools may write.
            if (tickerValue.L is { } list)
            {
                foreach (var entry in list)
                {
                    if (entry.S is { } ticker)
                    {
                        tickers.Add(ticker);
                    }
                }
            }
            else if (tickerValue.SS is { } set)
            {
                tickers.AddRange(set);
            }
        }

        return new UserConfiguration(id, ownerId, name.S, tickers, createdAt, updatedAt);
    }

    private static bool TryGetString(Dictionary<string, AttributeValue> attributes, string name, out string value)
    {
        value = attributes.TryGetValue(name, out var attribute) ? attribute.S ?? string.Empty : string.Empty;
        return value.Length > 0;
    }

    private static bool TryGetTimestamp(Dictionary<string, AttributeValue> attributes, string name, out DateTimeOffset value)
    {
        value = default;
        return attributes.TryGetValue(name, out var attribute) && attribute.S is { } text &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }
}
