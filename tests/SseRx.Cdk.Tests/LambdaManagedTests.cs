using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace SseRx.Cdk.Tests;

/// <summary>Target lambda-managed: the stream function on a Lambda Managed Instances capacity provider.</summary>
[Collection(SynthCollection.Name)]
public sealed class LambdaManagedTests(SynthFixture synth)
{
    private Synthesized S => synth.LambdaManaged;

    private Synthesized C => synth.LambdaManagedConfigured;

    private static string StreamId(Synthesized s) => s.LogicalId(s.Stack.Lambda!.StreamFunction);

    private static string ApiId(Synthesized s) => s.LogicalId(s.Stack.Lambda!.ApiFunction);

    private static string ProviderId(Synthesized s) => s.Stack.GetLogicalId(s.Stack.Lambda!.Capacity!.Resource);

    private static JsonObject Provider(Synthesized s) => s.Properties(ProviderId(s));

    private static JsonObject ManagedConfig(Synthesized s) =>
        s.Properties(StreamId(s))["CapacityProviderConfig"]!["LambdaManagedInstancesCapacityProviderConfig"]!.AsObject();

    private static JsonNode GetAtt(string logicalId, string attribute) =>
        new JsonObject { ["Fn::GetAtt"] = new JsonArray(logicalId, attribute) };

    private static JsonNode Ref(string logicalId) => new JsonObject { ["Ref"] = logicalId };

    /// <summary>The logical id of a construct that is itself a CloudFormation element (a route, a route table).</summary>
    private static string Element(Synthesized s, Constructs.IConstruct element) => s.Stack.GetLogicalId((Amazon.CDK.CfnElement)element);

    [Fact]
    public void OneCapacityProvider_TheStreamFunctionOnIt_AndTheApiFunctionClassic()
    {
        S.Template.ResourceCountIs("AWS::Lambda::CapacityProvider", 1);
        S.Template.ResourceCountIs("AWS::Lambda::Function", 2);
        Assert.True(JsonNode.DeepEquals(GetAtt(ProviderId(S), "Arn"), ManagedConfig(S)["CapacityProviderArn"]));
        var api = S.Properties(ApiId(S));
        Assert.False(api.ContainsKey("CapacityProviderConfig"));
        Assert.False(api.ContainsKey("FunctionScalingConfig"));
        Assert.Equal(1024, (int)api["MemorySize"]!);
    }

    [Fact]
    public void StreamFunction_KeepsAManagedRuntime_AndStartsTheNativeBinaryThroughTheAdaptersWrapper()
    {
        // Managed Instances support managed runtimes only (no provided.*): the Native AOT asset runs on dotnet8 with
        // the Web Adapter's exec wrapper running run.sh, which execs the binary.
        var stream = S.Properties(StreamId(S));
        Assert.Equal("dotnet8", Synthesized.Str(stream["Runtime"]));
        Assert.Equal("run.sh", Synthesized.Str(stream["Handler"]));
        Assert.Equal("/opt/bootstrap", Synthesized.Str(S.FunctionEnvironment(StreamId(S))["AWS_LAMBDA_EXEC_WRAPPER"]));
    }

    [Fact]
    public void StreamFunction_ServesManyStreamsPerEnvironment_AndTheHostAdmitsExactlyAsMany()
    {
        var config = ManagedConfig(S);
        Assert.Equal(100, (int)config["PerExecutionEnvironmentMaxConcurrency"]!);
        Assert.Equal(2, (int)config["ExecutionEnvironmentMemoryGiBPerVCpu"]!);
        Assert.Equal(4096, (int)S.Properties(StreamId(S))["MemorySize"]!);
        var env = S.FunctionEnvironment(StreamId(S));
        Assert.Equal(((int)config["PerExecutionEnvironmentMaxConcurrency"]!).ToString(CultureInfo.InvariantCulture),
            Synthesized.Str(env["SseRx__MaxConnections"]));

        // The api function keeps classic Lambda's one-request environments.
        Assert.Equal("1", Synthesized.Str(S.FunctionEnvironment(ApiId(S))["SseRx__MaxConnections"]));
    }

    [Fact]
    public void ConfiguredConcurrency_ReachesBothLambdaAndTheHost()
    {
        var config = ManagedConfig(C);
        Assert.Equal(128, (int)config["PerExecutionEnvironmentMaxConcurrency"]!);
        Assert.Equal(4, (int)config["ExecutionEnvironmentMemoryGiBPerVCpu"]!);
        Assert.Equal(8192, (int)C.Properties(StreamId(C))["MemorySize"]!);
        Assert.Equal("128", Synthesized.Str(C.FunctionEnvironment(StreamId(C))["SseRx__MaxConnections"]));
    }

    [Fact]
    public void StreamFunction_ScalesBetweenTheConfiguredEnvironments_AndPublishesLatestOnEveryDeploy()
    {
        var stream = S.Properties(StreamId(S));
        Assert.Equal(3, (int)stream["FunctionScalingConfig"]!["MinExecutionEnvironments"]!);
        Assert.Equal(20, (int)stream["FunctionScalingConfig"]!["MaxExecutionEnvironments"]!);
        Assert.True((bool)stream["PublishToLatestPublished"]!);
        // The cap on Managed Instances is environments × concurrency; reserved concurrency has no part in it.
        Assert.False(stream.ContainsKey("ReservedConcurrentExecutions"));
        // Networking belongs to the capacity provider, not to the function.
        Assert.False(stream.ContainsKey("VpcConfig"));

        var configured = C.Properties(StreamId(C))["FunctionScalingConfig"]!;
        Assert.Equal(2, (int)configured["MinExecutionEnvironments"]!);
        Assert.Equal(10, (int)configured["MaxExecutionEnvironments"]!);
    }

    [Fact]
    public void StreamFunction_KeepsTheStreamingHostSettings()
    {
        var stream = S.Properties(StreamId(S));
        var env = S.FunctionEnvironment(StreamId(S));
        Assert.Equal("stream", Synthesized.Str(env["SseRx__Role"]));
        Assert.Equal("response_stream", Synthesized.Str(env["AWS_LWA_INVOKE_MODE"]));
        Assert.Equal("/opt/bootstrap", Synthesized.Str(env["AWS_LAMBDA_EXEC_WRAPPER"]));
        Assert.Equal("/health", Synthesized.Str(env["AWS_LWA_READINESS_CHECK_PATH"]));
        Assert.Equal("00:14:00", Synthesized.Str(env["SseRx__MaxStreamLifetime"]));
        Assert.Equal("http://localhost:4318", Synthesized.Str(env["OTEL_EXPORTER_OTLP_ENDPOINT"]));
        Assert.Equal(S.LogicalId(S.Stack.Tables.Items), Synthesized.Str(env["SseRx__DynamoDb__ItemsTable"]!["Ref"]));
        Assert.Equal(900, (int)stream["Timeout"]!);
        Assert.Equal("run.sh", Synthesized.Str(stream["Handler"]));
        var layers = stream["Layers"]!.ToJsonString();
        Assert.Contains(":753240598075:layer:LambdaAdapterLayerX86:27", layers);
        Assert.Contains("aws-otel-collector-amd64", layers);
        Assert.DoesNotContain("aws-otel-collector", C.Properties(StreamId(C))["Layers"]!.ToJsonString());
    }

    [Fact]
    public void BothFunctions_AreX86_WithActiveTracing_FromTheSameZip()
    {
        S.Template.AllResourcesProperties("AWS::Lambda::Function", new Dictionary<string, object>
        {
            ["Architectures"] = new[] { "x86_64" },
            ["TracingConfig"] = new Dictionary<string, object> { ["Mode"] = "Active" },
        });
        Assert.True(JsonNode.DeepEquals(S.Properties(StreamId(S))["Code"], S.Properties(ApiId(S))["Code"]));
    }

    [Fact]
    public void StreamUrl_IsResponseStream_OnTheUnqualifiedFunction_ApiUrlBuffered()
    {
        S.Template.ResourceCountIs("AWS::Lambda::Url", 2);
        S.Template.HasResourceProperties("AWS::Lambda::Url", new Dictionary<string, object>
        {
            ["AuthType"] = "NONE",
            ["InvokeMode"] = "RESPONSE_STREAM",
            ["TargetFunctionArn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { StreamId(S), "Arn" } },
            // No qualifier: unqualified invocations of a Managed Instances function run $LATEST.PUBLISHED.
            ["Qualifier"] = Match.Absent(),
        });
        S.Template.HasResourceProperties("AWS::Lambda::Url", new Dictionary<string, object>
        {
            ["InvokeMode"] = "BUFFERED",
            ["TargetFunctionArn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { ApiId(S), "Arn" } },
        });
    }

    [Fact]
    public void DashboardFindsTheStreamUrl_ThroughTheApiFunctionsConfig()
    {
        var sseBase = S.FunctionEnvironment(ApiId(S))["SseRx__Dashboard__SseBaseUrl"]!.ToJsonString();
        Assert.Contains(S.LogicalId(S.Stack.Lambda!.StreamUrl), sseBase);
    }

    [Fact]
    public void CapacityProvider_RunsInThePrivateSubnets_BehindItsOwnSecurityGroup_WithTheOperatorRole()
    {
        var capacity = S.Stack.Lambda!.Capacity!;
        var provider = Provider(S);
        var subnets = capacity.Vpc.PrivateSubnets.Select(s => Ref(S.LogicalId(s))).ToArray();
        Assert.Equal(2, subnets.Length);
        Assert.True(JsonNode.DeepEquals(new JsonArray(subnets), provider["VpcConfig"]!["SubnetIds"]));
        Assert.True(JsonNode.DeepEquals(
            new JsonArray(GetAtt(S.LogicalId(capacity.SecurityGroup), "GroupId")), provider["VpcConfig"]!["SecurityGroupIds"]));
        Assert.True(JsonNode.DeepEquals(
            GetAtt(S.LogicalId(capacity.OperatorRole), "Arn"), provider["PermissionsConfig"]!["CapacityProviderOperatorRoleArn"]));
    }

    [Fact]
    public void CapacityProvider_IsX86_ScalesAutomatically_UnderTheVCpuCeiling()
    {
        var provider = Provider(S);
        Assert.True(JsonNode.DeepEquals(new JsonArray("x86_64"), provider["InstanceRequirements"]!["Architectures"]));
        Assert.False(provider["InstanceRequirements"]!.AsObject().ContainsKey("AllowedInstanceTypes"));
        var scaling = provider["CapacityProviderScalingConfig"]!;
        Assert.Equal(64, (int)scaling["MaxVCpuCount"]!);
        Assert.Equal("Auto", Synthesized.Str(scaling["ScalingMode"]));
        Assert.False(scaling.AsObject().ContainsKey("ScalingPolicies"));
    }

    [Fact]
    public void ConfiguredCapacityProvider_AllowsOnlyTheNamedTypes_AndTracksTheCpuTarget()
    {
        var provider = Provider(C);
        Assert.True(JsonNode.DeepEquals(new JsonArray("m7i.xlarge", "m7i.2xlarge"), provider["InstanceRequirements"]!["AllowedInstanceTypes"]));
        var scaling = provider["CapacityProviderScalingConfig"]!;
        Assert.Equal(40, (int)scaling["MaxVCpuCount"]!);
        Assert.Equal("Manual", Synthesized.Str(scaling["ScalingMode"]));
        var policy = Assert.Single(scaling["ScalingPolicies"]!.AsArray())!;
        Assert.Equal("LambdaCapacityProviderAverageCPUUtilization", Synthesized.Str(policy["PredefinedMetricType"]));
        Assert.Equal(60, (double)policy["TargetValue"]!);
    }

    [Fact]
    public void CapacityProvider_WaitsForTheNatRoutes()
    {
        var dependsOn = S.Resources[ProviderId(S)]!["DependsOn"]!.AsArray().Select(d => (string)d!).ToHashSet();
        var routes = S.OfType("AWS::EC2::Route").Select(r => r.Key).ToArray();
        Assert.NotEmpty(routes);
        Assert.All(routes, r => Assert.Contains(r, dependsOn));
        Assert.Contains(S.Single("AWS::EC2::NatGateway").Key, dependsOn);
    }

    [Fact]
    public void Vpc_HasPrivateSubnetsWithNatEgress_AndAFreeDynamoDbPath()
    {
        S.Template.ResourceCountIs("AWS::EC2::VPC", 1);
        S.Template.ResourceCountIs("AWS::EC2::NatGateway", 1);
        C.Template.ResourceCountIs("AWS::EC2::NatGateway", 2);
        var capacity = S.Stack.Lambda!.Capacity!;
        var nat = S.Single("AWS::EC2::NatGateway").Key;
        foreach (var subnet in capacity.Vpc.PrivateSubnets)
        {
            var route = S.Properties(Element(S, subnet.Node.FindChild("DefaultRoute")));
            Assert.Equal("0.0.0.0/0", Synthesized.Str(route["DestinationCidrBlock"]));
            Assert.True(JsonNode.DeepEquals(Ref(nat), route["NatGatewayId"]));
        }

        var endpoint = S.Single("AWS::EC2::VPCEndpoint").Value["Properties"]!;
        Assert.Equal("Gateway", Synthesized.Str(endpoint["VpcEndpointType"]));
        Assert.Contains("dynamodb", endpoint["ServiceName"]!.ToJsonString());
        var privateTables = capacity.Vpc.PrivateSubnets.Select(s => Ref(Element(S, s.Node.FindChild("RouteTable")))).ToArray();
        Assert.True(JsonNode.DeepEquals(new JsonArray(privateTables), endpoint["RouteTableIds"]));
    }

    [Fact]
    public void SecurityGroup_AdmitsNothing_AndLetsEverythingOut()
    {
        var group = S.Single("AWS::EC2::SecurityGroup").Value["Properties"]!;
        Assert.False(group.AsObject().ContainsKey("SecurityGroupIngress"));
        var egress = Assert.Single(group["SecurityGroupEgress"]!.AsArray())!;
        Assert.Equal("0.0.0.0/0", Synthesized.Str(egress["CidrIp"]));
        Assert.Equal("-1", Synthesized.Str(egress["IpProtocol"]));
        S.Template.ResourceCountIs("AWS::EC2::SecurityGroupIngress", 0);
    }

    [Fact]
    public void EachFunction_HasAnErrorsAlarmAndAThrottlesAlarm_NotifyingTheTopicWhenGiven()
    {
        S.Template.ResourceCountIs("AWS::CloudWatch::Alarm", 4);
        foreach (var id in new[] { StreamId(S), ApiId(S) })
        {
            foreach (var metric in new[] { "Errors", "Throttles" })
            {
                S.Template.HasResourceProperties("AWS::CloudWatch::Alarm", new Dictionary<string, object>
                {
                    ["Namespace"] = "AWS/Lambda",
                    ["MetricName"] = metric,
                    ["Threshold"] = 1,
                    ["Dimensions"] = new object[]
                    {
                        new Dictionary<string, object> { ["Name"] = "FunctionName", ["Value"] = new Dictionary<string, object> { ["Ref"] = id } },
                    },
                });
            }
        }

        C.Template.AllResourcesProperties("AWS::CloudWatch::Alarm", new Dictionary<string, object>
        {
            ["AlarmActions"] = new[] { SynthFixture.AlarmTopicArn },
        });
    }

    [Fact]
    public void Outputs_AreTheLambdaTargetsPlusTheCapacityProvider()
    {
        var lambda = S.Stack.Lambda!;
        S.Template.HasOutput("ApiUrl", new Dictionary<string, object>
        {
            ["Value"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { S.LogicalId(lambda.ApiUrl), "FunctionUrl" } },
        });
        S.Template.HasOutput("StreamUrl", new Dictionary<string, object>
        {
            ["Value"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { S.LogicalId(lambda.StreamUrl), "FunctionUrl" } },
        });
        S.Template.HasOutput("StreamLogGroup", new Dictionary<string, object>
        {
            ["Value"] = new Dictionary<string, object> { ["Ref"] = S.LogicalId(lambda.StreamFunction.LogGroup) },
        });
        S.Template.HasOutput("ApiLogGroup", new Dictionary<string, object>
        {
            ["Value"] = new Dictionary<string, object> { ["Ref"] = S.LogicalId(lambda.ApiFunction.LogGroup) },
        });
        S.Template.HasOutput("CapacityProviderArn", new Dictionary<string, object>
        {
            ["Value"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { ProviderId(S), "Arn" } },
        });
        Assert.False(synth.Lambda.Json["Outputs"]!.AsObject().ContainsKey("CapacityProviderArn"));
    }

    [Fact]
    public void SwitchingFromLambda_ReplacesTheStreamFunction_AndKeepsTheApiFunctionAndTables()
    {
        var classic = synth.Lambda;
        // A function cannot gain a capacity provider in place, so the managed one needs a new logical id.
        Assert.NotEqual(StreamId(classic), StreamId(S));
        Assert.False(S.Resources.ContainsKey(StreamId(classic)));
        Assert.Equal(ApiId(classic), ApiId(S));
        Assert.Equal(
            classic.OfType("AWS::DynamoDB::Table").Select(t => t.Key).Order(),
            S.OfType("AWS::DynamoDB::Table").Select(t => t.Key).Order());
        Assert.Equal("SseRx live SSE dashboard (lambda-managed target)", (string?)S.Json["Description"]);
    }

    [Fact]
    public void ClassicLambdaTarget_HasNoManagedInstancesResources()
    {
        var classic = synth.Lambda;
        Assert.Null(classic.Stack.Lambda!.Capacity);
        classic.Template.ResourceCountIs("AWS::Lambda::CapacityProvider", 0);
        classic.Template.ResourceCountIs("AWS::EC2::VPC", 0);
        Assert.All(classic.OfType("AWS::Lambda::Function"), f =>
        {
            Assert.False(f.Value["Properties"]!.AsObject().ContainsKey("CapacityProviderConfig"));
            Assert.False(f.Value["Properties"]!.AsObject().ContainsKey("PublishToLatestPublished"));
        });
    }
}
