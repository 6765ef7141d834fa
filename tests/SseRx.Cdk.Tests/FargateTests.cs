using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace SseRx.Cdk.Tests;

[Collection(SynthCollection.Name)]
public sealed class FargateTests(SynthFixture synth)
{
    private Synthesized S => synth.Fargate;

    private JsonObject HostContainer =>
        S.OfType("AWS::ECS::TaskDefinition").Single().Value["Properties"]!["ContainerDefinitions"]!.AsArray()
            .Single(c => (string?)c!["Name"] == "host")!.AsObject();

    private string? Env(string name) =>
        (string?)HostContainer["Environment"]!.AsArray().SingleOrDefault(e => (string?)e!["Name"] == name)?["Value"];

    [Fact]
    public void Fargate_HasAPublicAlb_AndAFargateService_AndNoLambdaFunction()
    {
        S.Template.ResourceCountIs("AWS::ElasticLoadBalancingV2::LoadBalancer", 1);
        S.Template.HasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", new Dictionary<string, object>
        {
            ["Scheme"] = "internet-facing",
            ["Type"] = "application",
        });
        S.Template.HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object>
        {
            ["LaunchType"] = "FARGATE",
            ["DesiredCount"] = 2,
        });
        S.Template.ResourceCountIs("AWS::Lambda::Function", 0);
        S.Template.ResourceCountIs("AWS::Lambda::Url", 0);
    }

    [Fact]
    public void AlbIdleTimeout_IsAboveTheHeartbeatInterval()
    {
        var lb = S.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer").Single().Value;
        var idle = lb["Properties"]!["LoadBalancerAttributes"]!.AsArray()
            .Single(a => (string?)a!["Key"] == "idle_timeout.timeout_seconds")!["Value"];
        var idleSeconds = int.Parse((string)idle!, CultureInfo.InvariantCulture);
        var heartbeat = TimeSpan.Parse(Env("SseRx__HeartbeatInterval")!, CultureInfo.InvariantCulture);
        Assert.Equal(120, idleSeconds);
        Assert.True(TimeSpan.FromSeconds(idleSeconds) > heartbeat, $"idle {idleSeconds}s must exceed heartbeat {heartbeat}");
    }

    [Fact]
    public void TargetGroup_HealthChecksHealth_OnTheContainerPort8080()
    {
        // Targets register with the container port; the health check uses that "traffic port".
        S.Template.HasResourceProperties("AWS::ECS::Service", new Dictionary<string, object>
        {
            ["LoadBalancers"] = new object[]
            {
                Match.ObjectLike(new Dictionary<string, object> { ["ContainerName"] = "host", ["ContainerPort"] = 8080 }),
            },
        });
        S.Template.HasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", new Dictionary<string, object>
        {
            ["HealthCheckPath"] = "/health",
            ["Matcher"] = new Dictionary<string, object> { ["HttpCode"] = "200" },
            ["HealthCheckPort"] = Match.Absent(),
            ["TargetGroupAttributes"] = Match.ArrayWith(new object[]
            {
                new Dictionary<string, object> { ["Key"] = "deregistration_delay.timeout_seconds", ["Value"] = "30" },
            }),
        });
    }

    [Fact]
    public void HostContainer_RunsRoleAll_WithManyConnectionsPerProcess_OnTheTables()
    {
        Assert.Equal("all", Env("SseRx__Role"));
        Assert.Equal("10000", Env("SseRx__MaxConnections"));
        Assert.Equal("true", Env("ASPNETCORE_FORWARDEDHEADERS_ENABLED"));
        Assert.Equal("dynamodb", Env("SseRx__Store"));
        Assert.Equal("", Env("SseRx__Dashboard__SseBaseUrl"));
        Assert.Equal("00:00:05", Env("SseRx__PollInterval"));
        Assert.Equal(8080, (int)HostContainer["PortMappings"]![0]!["ContainerPort"]!);
        var nofile = HostContainer["Ulimits"]!.AsArray().Single(u => (string?)u!["Name"] == "nofile")!;
        Assert.True((int)nofile["SoftLimit"]! > 10_000, "each stream holds a socket: the fd limit must exceed MaxConnections");
        var tableRef = HostContainer["Environment"]!.AsArray().Single(e => (string?)e!["Name"] == "SseRx__DynamoDb__ItemsTable")!["Value"]!["Ref"];
        Assert.Equal(S.LogicalId(S.Stack.Tables.Items), (string?)tableRef);
    }

    [Fact]
    public void HostContainer_LogsToA30DayLogGroup_AndAnAdotSidecarShipsTracesToXRay()
    {
        Assert.Equal("awslogs", (string?)HostContainer["LogConfiguration"]!["LogDriver"]);
        S.Template.AllResourcesProperties("AWS::Logs::LogGroup", new Dictionary<string, object> { ["RetentionInDays"] = 30 });
        var sidecar = S.OfType("AWS::ECS::TaskDefinition").Single().Value["Properties"]!["ContainerDefinitions"]!.AsArray()
            .Single(c => (string?)c!["Name"] == "adot-collector")!;
        Assert.False((bool)sidecar["Essential"]!);
        Assert.Contains("awsxray", sidecar["Environment"]!.ToJsonString());
        Assert.Equal("http://localhost:4318", Env("OTEL_EXPORTER_OTLP_ENDPOINT"));
    }

    [Fact]
    public void Image_IsADockerAssetOfTheRepository_StagedWithoutBuilding()
    {
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(S.AssemblyDirectory, S.Stack.StackName + ".assets.json")))!;
        var image = Assert.Single(manifest["dockerImages"]!.AsObject());
        var source = image.Value!["source"]!;
        Assert.Equal("src/SseRx.Host/Dockerfile", (string?)source["dockerFile"]);
        Assert.Equal("linux/amd64", (string?)source["platform"]);

        // Synth copied the filtered build context; cdk-assets runs `docker build` at deploy time only.
        var staged = Path.Combine(S.AssemblyDirectory, (string)source["directory"]!);
        Assert.True(File.Exists(Path.Combine(staged, "src/SseRx.Host/SseRx.Host.csproj")));
        Assert.True(File.Exists(Path.Combine(staged, "src/SseRx.Host/Dockerfile")));
        Assert.True(File.Exists(Path.Combine(staged, "Directory.Packages.props")));
        var files = Directory.GetFiles(staged, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(staged, f).Replace('\\', '/'))
            .ToArray();
        Assert.DoesNotContain(files, f => f.Contains("/bin/", StringComparison.Ordinal) || f.Contains("/obj/", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.StartsWith("tests/", StringComparison.Ordinal) || f.StartsWith("cdk/", StringComparison.Ordinal));
        Assert.DoesNotContain(files, f => f.StartsWith(".git", StringComparison.Ordinal));
    }

    [Fact]
    public void Outputs_TheServiceUrl()
    {
        var lb = S.LogicalId(S.Stack.Fargate!.Service.LoadBalancer);
        S.Template.HasOutput("ServiceUrl", new Dictionary<string, object>
        {
            ["Value"] = new Dictionary<string, object>
            {
                ["Fn::Join"] = new object[] { "", new object[] { "http://", new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { lb, "DNSName" } } } },
            },
        });
    }
}
