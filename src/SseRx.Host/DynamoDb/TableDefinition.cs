using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace SseRx.Host.DynamoDb;

/// <summary>A table SseRx needs: its name, its string partition and sort keys, and whether items expire.</summary>
internal sealed record TableDefinition(string Name, string PartitionKey, string SortKey, string? TimeToLiveAttribute)
{
    public CreateTableRequest ToCreateRequest() => new()
    {
        TableName = Name,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions =
        [
            new AttributeDefinition(PartitionKey, ScalarAttributeType.S),
            new AttributeDefinition(SortKey, ScalarAttributeType.S),
        ],
        KeySchema =
        [
            new KeySchemaElement(PartitionKey, KeyType.HASH),
            new KeySchemaElement(SortKey, KeyType.RANGE),
        ],
    };

    public bool MatchesKeys(TableDescription description)
    {
        var keys = description.KeySchema ?? [];
        var types = description.AttributeDefinitions ?? [];
        return keys.Count == 2 &&
            HasKey(keys, types, PartitionKey, KeyType.HASH) &&
            HasKey(keys, types, SortKey, KeyType.RANGE);
    }

    public string DescribeExpectedKeys() => $"({PartitionKey} S HASH, {SortKey} S RANGE)";

    public static string DescribeKeys(TableDescription description)
    {
        var types = description.AttributeDefinitions ?? [];
        var parts = (description.KeySchema ?? []).Select(key =>
            $"{key.AttributeName} {types.FirstOrDefault(t => t.AttributeName == key.AttributeName)?.AttributeType?.Value ?? "?"} {key.KeyType?.Value}");
        return $"({string.Join(", ", parts)})";
    }

    private static bool HasKey(List<KeySchemaElement> keys, List<AttributeDefinition> types, string name, KeyType keyType) =>
        keys.Any(k => k.AttributeName == name && k.KeyType == keyType) &&
        types.Any(t => t.AttributeName == name && t.AttributeType == ScalarAttributeType.S);
}
