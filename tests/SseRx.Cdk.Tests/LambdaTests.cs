using System.Globalization;
using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;

namespace SseRx.Cdk.Tests;

[Collection(SynthCollection.Name)]
public sealed class LambdaTests(SynthFixture synth)
{
    private Synthesized S => synth.Lambda;

    private string StreamId => S.LogicalId(S.Stack.Lambda!.StreamFunction);

    private string ApiId => S.LogicalId(S.Stack.Lambda!.ApiFunction);

    private static JsonObject Env(Synthesized s, string functionId) => s.FunctionEnvironment(functionId);

    private static string? Str(JsonNode? node) => Synthesized.Str(node);

    [Fact]
    public void ExactlyTwoFunctions_BothFromTheSameZipAsset()
    {
        S.Template.ResourceCountIs("AWS::Lambda::Function", 2);
        var streamCode = S.Properties(StreamId)["Code"]!;
        var apiCode = S.Properties(ApiId)["Code"]!;
        Assert.EndsWith(".zip", Str(streamCode["S3Key"]));
        Assert.True(JsonNode.DeepEquals(streamCode, apiCode), "both functions must deploy one build (one asset)");
    }

    [Fact]
    public void StagedAsset_KeepsTheHandlersExecutableBit()
    {
        // Lambda execs run.sh directly; the deploy-time zip copies the staged file's mode.
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(S.AssemblyDirectory, S.Stack.StackName + ".assets.json")))!;
        var zip = manifest["files"]!.AsObject().Single(f => (string?)f.Value!["source"]!["packaging"] == "zip");
        var staged = Path.Combine(S.AssemblyDirectory, (string)zip.Value!["source"]!["path"]!, "run.sh");
        Assert.True(File.Exists(staged));
        Assert.True(OperatingSystem.IsWindows() || File.GetUnixFileMode(staged).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public void BothFunctions_RunBehindTheWebAdapterLayer_ThroughItsExecWrapper()
    {
        foreach (var id in new[] { StreamId, ApiId })
        {
            var props = S.Properties(id);
            Assert.Equal("run.sh", Str(props["Handler"]));
            Assert.Equal("/opt/bootstrap", Str(Env(S, id)["AWS_LAMBDA_EXEC_WRAPPER"]));
            var layers = props["Layers"]!.ToJsonString();
            Assert.Contains(":753240598075:layer:LambdaAdapterLayerX86:27", layers);
        }
    }

    [Fact]
    public void BothFunctions_AreX86_WithActiveTracing()
    {
        S.Template.AllResourcesProperties("AWS::Lambda::Function", new Dictionary<string, object>
        {
            ["Architectures"] = new[] { "x86_64" },
            ["TracingConfig"] = new Dictionary<string, object> { ["Mode"] = "Active" },
        });
    }

    [Fact]
    public void BothFunctions_ListenOn8080_AndTheAdapterChecksReadinessOnHealth()
    {
        foreach (var id in new[] { StreamId, ApiId })
        {
            var env = Env(S, id);
            Assert.Equal("8080", Str(env["AWS_LWA_PORT"]));
            Assert.Equal("8080", Str(env["PORT"]));
            Assert.Equal("http://+:8080", Str(env["ASPNETCORE_URLS"]));
            Assert.Equal("true", Str(env["ASPNETCORE_FORWARDEDHEADERS_ENABLED"]));
            Assert.Equal("/health", Str(env["AWS_LWA_READINESS_CHECK_PATH"]));
        }
    }

    [Fact]
    public void StreamFunctionUrl_IsResponseStream_AndOnlyTheStreamFunctionSetsTheAdapterInvokeMode()
    {
        S.Template.HasResourceProperties("AWS::Lambda::Url", new Dictionary<string, object>
        {
            ["AuthType"] = "NONE",
            ["InvokeMode"] = "RESPONSE_STREAM",
            ["TargetFunctionArn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { StreamId, "Arn" } },
        });
        Assert.Equal("response_stream", Str(Env(S, StreamId)["AWS_LWA_INVOKE_MODE"]));
        Assert.False(Env(S, ApiId).ContainsKey("AWS_LWA_INVOKE_MODE"));
    }

    [Fact]
    public void ApiFunctionUrl_IsBuffered_WithNoAuth()
    {
        S.Template.ResourceCountIs("AWS::Lambda::Url", 2);
        S.Template.HasResourceProperties("AWS::Lambda::Url", new Dictionary<string, object>
        {
            ["AuthType"] = "NONE",
            ["InvokeMode"] = "BUFFERED",
            ["TargetFunctionArn"] = new Dictionary<string, object> { ["Fn::GetAtt"] = new[] { ApiId, "Arn" } },
        });
    }

    [Fact]
    public void Roles_AndHostSettings_AreSetForLambda_OneConnectionPerEnvironment()
    {
        var stream = Env(S, StreamId);
        var api = Env(S, ApiId);
        Assert.Equal("stream", Str(stream["SseRx__Role"]));
        Assert.Equal("api", Str(api["SseRx__Role"]));
        foreach (var env in new[] { stream, api })
        {
            Assert.Equal("dynamodb", Str(env["SseRx__Store"]));
            Assert.Equal("1", Str(env["SseRx__MaxConnections"]));
            Assert.Equal("00:00:05", Str(env["SseRx__PollInterval"]));
            Assert.Equal("00:00:30", Str(env["SseRx__HeartbeatInterval"]));
            Assert.Equal(S.LogicalId(S.Stack.Tables.Items), Str(env["SseRx__DynamoDb__ItemsTable"]!["Ref"]));
            Assert.Equal(S.LogicalId(S.Stack.Tables.Configurations), Str(env["SseRx__DynamoDb__ConfigurationsTable"]!["Ref"]));
            Assert.Equal("AWS::Region", Str(env["SseRx__DynamoDb__Region"]!["Ref"]));
        }
    }

    [Fact]
    public void StreamLifetime_IsStrictlyBelowTheStreamFunctionTimeout()
    {
        var props = S.Properties(StreamId);
        var timeout = TimeSpan.FromSeconds((int)props["Timeout"]!);
        var lifetime = TimeSpan.Parse(Str(Env(S, StreamId)["SseRx__MaxStreamLifetime"])!, CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromMinutes(15), timeout);
        Assert.Equal(TimeSpan.FromMinutes(14), lifetime);
        Assert.True(lifetime < timeout, $"lifetime {lifetime} must be below timeout {timeout}");
    }

    [Fact]
    public void MemorySizes_AreSetPerFunction()
    {
        Assert.Equal(512, (int)S.Properties(StreamId)["MemorySize"]!);
        Assert.Equal(1024, (int)S.Properties(ApiId)["MemorySize"]!);
        Assert.Equal(30, (int)S.Properties(ApiId)["Timeout"]!);
    }

    [Fact]
    public void EachFunction_LogsToItsOwnLogGroup_Retained30Days()
    {
        S.Template.ResourceCountIs("AWS::Logs::LogGroup", 2);
        S.Template.AllResourcesProperties("AWS::Logs::LogGroup", new Dictionary<string, object> { ["RetentionInDays"] = 30 });
        var groups = new[] { StreamId, ApiId }
            .Select(id => Str(S.Properties(id)["LoggingConfig"]!["LogGroup"]!["Ref"]))
            .ToArray();
        Assert.All(groups, g => Assert.Equal("AWS::Logs::LogGroup", Str(S.Resources[g!]!["Type"])));
        Assert.NotEqual(groups[0], groups[1]);
    }

    [Fact]
    public void LogRetention_FollowsContext()
    {
        synth.LambdaConfigured.Template.AllResourcesProperties("AWS::Logs::LogGroup", new Dictionary<string, object> { ["RetentionInDays"] = 7 });
    }

    [Fact]
    public void AdotCollectorLayer_IsAttachedByDefault_FromTheDocumentedArnPattern()
    {
        foreach (var id in new[] { StreamId, ApiId })
        {
            var layers = S.Properties(id)["Layers"]!.AsArray();
            Assert.Equal(2, layers.Count);
            Assert.Contains(":901920570463:layer:aws-otel-collector-amd64-ver-0-102-1:1", layers[1]!.ToJsonString());
            Assert.Equal("http://localhost:4318", Str(Env(S, id)["OTEL_EXPORTER_OTLP_ENDPOINT"]));
        }
    }

    [Fact]
    public void AdotCollectorLayer_CanBeTurnedOffByContext()
    {
        var s = synth.LambdaConfigured;
        foreach (var (_, fn) in s.OfType("AWS::Lambda::Function"))
        {
            var layers = fn["Properties"]!["Layers"]!.AsArray();
            Assert.Single(layers);
            Assert.Contains("LambdaAdapterLayerX86", layers[0]!.ToJsonString());
        }
    }

    [Fact]
    public void Dashboard_GetsTheStreamUrlOrigin_AndASameOriginApiBase()
    {
        var api = Env(S, ApiId);
        Assert.Equal("", Str(api["SseRx__Dashboard__ApiBaseUrl"]));
        // https:// + host of the stream Function URL, so the dashboard can append /api/v2/stream.
        var join = api["SseRx__Dashboard__SseBaseUrl"]!["Fn::Join"]!.AsArray();
        Assert.Equal("https://", Str(join[1]![0]));
        var select = join[1]![1]!["Fn::Select"]!.AsArray();
        Assert.Equal(2, (int)select[0]!);
        var split = select[1]!["Fn::Split"]!.AsArray();
        Assert.Equal("/", Str(split[0]));
        var streamUrlId = S.LogicalId(S.Stack.Lambda!.StreamUrl);
        Assert.Equal($"[\"{streamUrlId}\",\"FunctionUrl\"]", split[1]!["Fn::GetAtt"]!.ToJsonString());
        Assert.False(Env(S, StreamId).ContainsKey("SseRx__Dashboard__SseBaseUrl"));
    }

    [Fact]
    public void StreamUrlCors_AllowsOnlyTheConfiguredDashboardOrigin_ForGet_WithResumeAndAuthHeaders()
    {
        synth.LambdaConfigured.Template.HasResourceProperties("AWS::Lambda::Url", new Dictionary<string, object>
        {
            ["InvokeMode"] = "RESPONSE_STREAM",
            ["Cors"] = new Dictionary<string, object>
            {
                // The trailing slash given on the command line is dropped: browsers send the bare origin.
                ["AllowOrigins"] = new[] { SynthFixture.DashboardOrigin },
                ["AllowMethods"] = new[] { "GET" },
                ["AllowHeaders"] = Match.ArrayWith(new object[] { "Last-Event-ID", "Authorization", "X-User-ID" }),
            },
        });
        synth.LambdaConfigured.Template.HasResourceProperties("AWS::Lambda::Url", new Dictionary<string, object>
        {
            ["InvokeMode"] = "BUFFERED",
            ["Cors"] = Match.Absent(),
        });
    }

    [Fact]
    public void StreamUrlCors_WithoutADashboardOrigin_AllowsAnyOrigin_AndWarnsAtSynth()
    {
        S.Template.HasResourceProperties("AWS::Lambda::Url", new Dictionary<string, object>
        {
            ["InvokeMode"] = "RESPONSE_STREAM",
            ["Cors"] = Match.ObjectLike(new Dictionary<string, object> { ["AllowOrigins"] = new[] { "*" } }),
        });
        Annotations.FromStack(S.Stack).HasWarning("*", Match.StringLikeRegexp("dashboardOrigin"));
        Annotations.FromStack(synth.LambdaConfigured.Stack).HasNoWarning("*", Match.StringLikeRegexp("dashboardOrigin"));
    }

    [Fact]
    public void EachFunction_HasAnErrorsAlarmAndAThrottlesAlarm()
    {
        S.Template.ResourceCountIs("AWS::CloudWatch::Alarm", 4);
        foreach (var id in new[] { StreamId, ApiId })
        {
            foreach (var metric in new[] { "Errors", "Throttles" })
            {
                S.Template.HasResourceProperties("AWS::CloudWatch::Alarm", new Dictionary<string, object>
                {
                    ["Namespace"] = "AWS/Lambda",
                    ["MetricName"] = metric,
                    ["Statistic"] = "Sum",
                    ["Threshold"] = 1,
                    ["ComparisonOperator"] = "GreaterThanOrEqualToThreshold",
                    ["TreatMissingData"] = "notBreaching",
                    ["Dimensions"] = new object[]
                    {
                        new Dictionary<string, object> { ["Name"] = "FunctionName", ["Value"] = new Dictionary<string, object> { ["Ref"] = id } },
                    },
                });
            }
        }
    }

    [Fact]
    public void Alarms_NotifyTheContextTopic_WhenOneIsGiven()
    {
        synth.LambdaConfigured.Template.AllResourcesProperties("AWS::CloudWatch::Alarm", new Dictionary<string, object>
        {
            ["AlarmActions"] = new[] { SynthFixture.AlarmTopicArn },
        });
        S.Template.AllResourcesProperties("AWS::CloudWatch::Alarm", new Dictionary<string, object> { ["AlarmActions"] = Match.Absent() });
    }

    [Fact]
    public void StreamConcurrency_IsCappedOnlyWhenAsked()
    {
        var configured = synth.LambdaConfigured;
        var stream = configured.Properties(configured.LogicalId(configured.Stack.Lambda!.StreamFunction));
        Assert.Equal(50, (int)stream["ReservedConcurrentExecutions"]!);
        Assert.False(S.Properties(StreamId).ContainsKey("ReservedConcurrentExecutions"));
    }

    [Fact]
    public void Outputs_AreTheTwoFunctionUrls()
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
    }

    [Fact]
    public void Outputs_NameTheLogGroups()
    {
        var lambda = S.Stack.Lambda!;
        S.Template.HasOutput("StreamLogGroup", new Dictionary<string, object>
        {
            ["Value"] = new Dictionary<string, object> { ["Ref"] = S.LogicalId(lambda.StreamFunction.LogGroup) },
        });
        S.Template.HasOutput("ApiLogGroup", new Dictionary<string, object>
        {
            ["Value"] = new Dictionary<string, object> { ["Ref"] = S.LogicalId(lambda.ApiFunction.LogGroup) },
        });
    }

    [Fact]
    public void BearerAuth_IsWiredOnlyWhenAnAuthorityIsGiven()
    {
        var configured = synth.LambdaConfigured;
        foreach (var (_, fn) in configured.OfType("AWS::Lambda::Function"))
        {
            var env = fn["Properties"]!["Environment"]!["Variables"]!.AsObject();
            Assert.Equal(SynthFixture.JwtAuthority, Str(env["SseRx__Auth__Jwt__Authority"]));
            Assert.Equal("sserx", Str(env["SseRx__Auth__Jwt__Audience"]));
            Assert.False(env.ContainsKey("SseRx__Auth__TrustUserIdHeader"));
        }

        Assert.DoesNotContain(Env(S, ApiId), kv => kv.Key.StartsWith("SseRx__Auth__", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingLambdaAsset_FailsSynthWithTheBuildCommand()
    {
        var app = synth.NewApp("missing-asset", new() { ["lambdaAsset"] = Path.Combine(synth.LambdaAsset, "nope") });
        var error = Assert.Throws<ArgumentException>(() => SseRxApp.Build(app));
        Assert.Contains("cdk/build-lambda.sh", error.Message);
    }
}
