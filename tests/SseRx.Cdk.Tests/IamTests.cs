using System.Text.Json.Nodes;

namespace SseRx.Cdk.Tests;

[Collection(SynthCollection.Name)]
public sealed class IamTests(SynthFixture synth)
{
    private static readonly string[] WriteActions =
    [
        "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem",
        "dynamodb:TransactWriteItems", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete",
    ];

    private static readonly string[] ReadActions = ["dynamodb:Query", "dynamodb:GetItem", "dynamodb:DescribeTable"];

    /// <summary>Every Allow statement that applies to a role: inline policies and AWS::IAM::Policy resources attached to it.</summary>
    private static List<JsonObject> Statements(Synthesized s, string roleId)
    {
        var role = s.Properties(roleId);
        var documents = new List<JsonNode>();
        if (role["Policies"] is JsonArray inline)
        {
            documents.AddRange(inline.Select(p => p!["PolicyDocument"]!));
        }

        foreach (var (_, policy) in s.OfType("AWS::IAM::Policy"))
        {
            var props = policy["Properties"]!;
            if (props["Roles"]!.AsArray().Any(r => (string?)r!["Ref"] == roleId))
            {
                documents.Add(props["PolicyDocument"]!);
            }
        }

        return documents.SelectMany(d => d["Statement"]!.AsArray()).Select(st => st!.AsObject()).ToList();
    }

    private static string[] Actions(JsonObject statement) =>
        statement["Action"] is JsonArray many ? many.Select(a => (string)a!).ToArray() : [(string)statement["Action"]!];

    private static string[] ResourceRefs(JsonObject statement)
    {
        var resources = statement["Resource"] is JsonArray many ? many.ToArray() : [statement["Resource"]];
        return resources.Select(r => r!.GetValueKind() == System.Text.Json.JsonValueKind.String
            ? (string)r!
            : (string)r!["Fn::GetAtt"]![0]! + "." + (string)r["Fn::GetAtt"]![1]!).ToArray();
    }

    private static string Arn(Synthesized s, Amazon.CDK.AWS.DynamoDB.Table table) => s.LogicalId(table) + ".Arn";

    private static void AssertNoDynamoDbWrites(List<JsonObject> statements)
    {
        Assert.NotEmpty(statements);
        var actions = statements.SelectMany(Actions).ToArray();
        foreach (var write in WriteActions)
        {
            Assert.DoesNotContain(write, actions);
        }

        // No wildcard could smuggle a write in.
        Assert.DoesNotContain(actions, a => a.StartsWith("dynamodb:", StringComparison.Ordinal) && a.Contains('*', StringComparison.Ordinal));
        Assert.DoesNotContain("*", actions);
        Assert.All(statements, st => Assert.Equal("Allow", (string?)st["Effect"]));
    }

    [Fact]
    public void StreamFunctionRole_HasNoDynamoDbWriteAction()
    {
        var s = synth.Lambda;
        AssertNoDynamoDbWrites(Statements(s, s.LogicalId(s.Stack.Lambda!.StreamFunction.Role!)));
    }

    [Fact]
    public void StreamFunctionRole_ReadsOnlyTheTwoTables_WithQueryGetItemDescribeTable()
    {
        var s = synth.Lambda;
        var dynamo = Statements(s, s.LogicalId(s.Stack.Lambda!.StreamFunction.Role!))
            .Where(st => Actions(st).Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)))
            .ToList();
        var statement = Assert.Single(dynamo);
        Assert.Equal(ReadActions.Order(), Actions(statement).Order());
        Assert.Equal(
            new[] { Arn(s, s.Stack.Tables.Items), Arn(s, s.Stack.Tables.Configurations) }.Order(),
            ResourceRefs(statement).Order());
    }

    [Fact]
    public void StreamFunctionRole_OtherwiseOnlyWritesTracesAndLogs()
    {
        var s = synth.Lambda;
        var roleId = s.LogicalId(s.Stack.Lambda!.StreamFunction.Role!);
        var other = Statements(s, roleId).SelectMany(Actions).Where(a => !a.StartsWith("dynamodb:", StringComparison.Ordinal));
        Assert.All(other, a => Assert.StartsWith("xray:Put", a));
        var managed = s.Properties(roleId)["ManagedPolicyArns"]!.ToJsonString();
        Assert.Contains("service-role/AWSLambdaBasicExecutionRole", managed);
        Assert.Single(s.Properties(roleId)["ManagedPolicyArns"]!.AsArray());
    }

    [Fact]
    public void ApiFunctionRole_ReadsItems_AndWritesOnlyConfigurations()
    {
        var s = synth.Lambda;
        var statements = Statements(s, s.LogicalId(s.Stack.Lambda!.ApiFunction.Role!));
        AssertReadBothWriteConfigurationsOnly(s, statements);
    }

    [Fact]
    public void FargateTaskRole_FollowsTheSamePattern_ReadBothWriteConfigurationsOnly()
    {
        var s = synth.Fargate;
        var statements = Statements(s, s.LogicalId(s.Stack.Fargate!.Service.TaskDefinition.TaskRole));
        AssertReadBothWriteConfigurationsOnly(s, statements);
    }

    [Fact]
    public void ManagedStreamFunctionRole_ReadsOnlyTheTwoTables_AndWritesNothing()
    {
        var s = synth.LambdaManaged;
        var statements = Statements(s, s.LogicalId(s.Stack.Lambda!.StreamFunction.Role!));
        AssertNoDynamoDbWrites(statements);
        var read = Assert.Single(statements, st => Actions(st).Any(a => a.StartsWith("dynamodb:", StringComparison.Ordinal)));
        Assert.Equal(ReadActions.Order(), Actions(read).Order());
        Assert.Equal(new[] { Arn(s, s.Stack.Tables.Items), Arn(s, s.Stack.Tables.Configurations) }.Order(), ResourceRefs(read).Order());
    }

    [Fact]
    public void ManagedTargetApiFunctionRole_ReadsItems_AndWritesOnlyConfigurations()
    {
        var s = synth.LambdaManaged;
        AssertReadBothWriteConfigurationsOnly(s, Statements(s, s.LogicalId(s.Stack.Lambda!.ApiFunction.Role!)));
    }

    [Fact]
    public void OperatorRole_IsAssumedByLambda_AndHoldsOnlyTheManagedEc2OperatorPolicy()
    {
        var s = synth.LambdaManaged;
        var roleId = s.LogicalId(s.Stack.Lambda!.Capacity!.OperatorRole);
        var role = s.Properties(roleId);
        var trust = Assert.Single(role["AssumeRolePolicyDocument"]!["Statement"]!.AsArray())!;
        Assert.Equal("sts:AssumeRole", (string?)trust["Action"]);
        Assert.Equal("lambda.amazonaws.com", (string?)trust["Principal"]!["Service"]);
        var managed = Assert.Single(role["ManagedPolicyArns"]!.AsArray())!.ToJsonString();
        Assert.Contains(":iam::aws:policy/AWSLambdaManagedEC2ResourceOperator", managed);
        Assert.Empty(Statements(s, roleId));
    }

    private static void AssertReadBothWriteConfigurationsOnly(Synthesized s, List<JsonObject> statements)
    {
        var items = Arn(s, s.Stack.Tables.Items);
        var configurations = Arn(s, s.Stack.Tables.Configurations);
        var writes = statements.Where(st => Actions(st).Intersect(WriteActions).Any()).ToList();
        var write = Assert.Single(writes);
        Assert.Equal(new[] { "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:UpdateItem" }, Actions(write).Order());
        Assert.Equal([configurations], ResourceRefs(write));

        var reads = statements.Where(st => Actions(st).Intersect(ReadActions).Any()).ToList();
        var read = Assert.Single(reads);
        Assert.Equal(new[] { configurations, items }.Order(), ResourceRefs(read).Order());
        Assert.DoesNotContain(statements.SelectMany(Actions), a => a is "dynamodb:Scan" or "dynamodb:*" or "*");
    }
}
