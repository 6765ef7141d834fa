using Amazon.CDK.Assertions;

namespace SseRx.Cdk.Tests;

[Collection(SynthCollection.Name)]
public sealed class TablesTests(SynthFixture synth)
{
    private static Dictionary<string, object> Key(string name, string type) => new() { ["AttributeName"] = name, ["KeyType"] = type };

    private static Dictionary<string, object> StringAttribute(string name) => new() { ["AttributeName"] = name, ["AttributeType"] = "S" };

    [Fact]
    public void ItemsTable_IsKeyedByHourBucketAndCursor_OnDemand_WithTtlAndPointInTimeRecovery()
    {
        synth.Lambda.Template.HasResourceProperties("AWS::DynamoDB::Table", new Dictionary<string, object>
        {
            ["KeySchema"] = new object[] { Key("bucket", "HASH"), Key("sk", "RANGE") },
            ["AttributeDefinitions"] = new object[] { StringAttribute("bucket"), StringAttribute("sk") },
            ["BillingMode"] = "PAY_PER_REQUEST",
            ["TimeToLiveSpecification"] = new Dictionary<string, object> { ["AttributeName"] = "expires_at", ["Enabled"] = true },
            ["PointInTimeRecoverySpecification"] = new Dictionary<string, object> { ["PointInTimeRecoveryEnabled"] = true },
        });
    }

    [Fact]
    public void ConfigurationsTable_IsKeyedByOwnerAndConfigId_OnDemand_WithPointInTimeRecovery()
    {
        synth.Lambda.Template.HasResourceProperties("AWS::DynamoDB::Table", new Dictionary<string, object>
        {
            ["KeySchema"] = new object[] { Key("owner_id", "HASH"), Key("config_id", "RANGE") },
            ["AttributeDefinitions"] = new object[] { StringAttribute("owner_id"), StringAttribute("config_id") },
            ["BillingMode"] = "PAY_PER_REQUEST",
            ["PointInTimeRecoverySpecification"] = new Dictionary<string, object> { ["PointInTimeRecoveryEnabled"] = true },
        });
    }

    [Fact]
    public void ThereAreExactlyTwoTables_ConfigurationsRetained_ItemsDeleted()
    {
        var s = synth.Lambda;
        s.Template.ResourceCountIs("AWS::DynamoDB::Table", 2);
        var configurations = s.Resources[s.LogicalId(s.Stack.Tables.Configurations)]!;
        var items = s.Resources[s.LogicalId(s.Stack.Tables.Items)]!;
        Assert.Equal("Retain", (string?)configurations["DeletionPolicy"]);
        Assert.Equal("Retain", (string?)configurations["UpdateReplacePolicy"]);
        Assert.Equal("Delete", (string?)items["DeletionPolicy"]);
    }

    [Fact]
    public void SwitchingTarget_KeepsTheTablesLogicalIds_SoTheDataSurvives()
    {
        var lambdaTables = synth.Lambda.OfType("AWS::DynamoDB::Table").Select(t => t.Key).Order();
        var fargateTables = synth.Fargate.OfType("AWS::DynamoDB::Table").Select(t => t.Key).Order();
        Assert.Equal(lambdaTables, fargateTables);
        Assert.Equal(synth.Lambda.Stack.StackName, synth.Fargate.Stack.StackName);
    }

    [Fact]
    public void TablesHaveNoSecondaryIndexes_SoReadGrantsNeedNoIndexArns()
    {
        synth.Lambda.Template.AllResourcesProperties("AWS::DynamoDB::Table", new Dictionary<string, object>
        {
            ["GlobalSecondaryIndexes"] = Match.Absent(),
            ["LocalSecondaryIndexes"] = Match.Absent(),
        });
    }
}
