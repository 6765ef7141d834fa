using System.Text.Json.Nodes;
using Amazon.CDK;
using Amazon.CDK.Assertions;
using SseRx.Testing;

namespace SseRx.Cdk.Tests;

/// <summary>
/// Synthesizes each app variant once per test run (jsii start-up and synthesis cost seconds), with no
/// AWS credentials and with Docker made unusable, so every test also proves synth needs neither.
/// </summary>
public sealed class SynthFixture : IDisposable
{
    /// <summary>The dashboard origin the configured Lambda variant is given.</summary>
    public const string DashboardOrigin = "https://dashboard.example.com";

    /// <summary>The alarm topic the configured Lambda variant is given.</summary>
    public const string AlarmTopicArn = "arn:aws:sns:us-east-1:111111111111:sserx-alarms";

    /// <summary>The OIDC authority the configured Lambda variant is given.</summary>
    public const string JwtAuthority = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "sserx-cdk-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Lazy<Synthesized> _lambda;
    private readonly Lazy<Synthesized> _lambdaConfigured;
    private readonly Lazy<Synthesized> _fargate;
    private readonly Lazy<Synthesized> _lambdaManaged;
    private readonly Lazy<Synthesized> _lambdaManagedConfigured;

    public SynthFixture()
    {
        // A synth that tried to build an image or bundle would run this and fail; credentials are never read.
        System.Environment.SetEnvironmentVariable("CDK_DOCKER", Path.Combine(_root, "no-docker-here"));
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION" })
        {
            System.Environment.SetEnvironmentVariable(name, null);
        }

        System.Environment.SetEnvironmentVariable("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1");

        // A stand-in for the publish output: the real one needs `dotnet publish`, and the template does not care.
        LambdaAsset = Directory.CreateDirectory(Path.Combine(_root, "lambda-asset")).FullName;
        File.WriteAllText(Path.Combine(LambdaAsset, "run.sh"), "#!/bin/sh\nexec \"$LAMBDA_TASK_ROOT/SseRx.Host\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Path.Combine(LambdaAsset, "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        _lambda = new(() => Synth("lambda", new() { ["lambdaAsset"] = LambdaAsset }));
        _lambdaConfigured = new(() => Synth("lambda-configured", new()
        {
            ["lambdaAsset"] = LambdaAsset,
            ["dashboardOrigin"] = DashboardOrigin + "/",
            ["alarmTopicArn"] = AlarmTopicArn,
            ["streamReservedConcurrency"] = "50",
            ["adotLayerArn"] = "none",
            ["logRetentionDays"] = "7",
            ["jwtAuthority"] = JwtAuthority,
            ["jwtAudience"] = "sserx",
        }));
        _fargate = new(() => Synth("fargate", new()
        {
            ["target"] = "fargate",
            // The real build context and Dockerfile: staging them must work without a Docker engine.
            ["imageContext"] = RepositoryRoot,
        }));
        _lambdaManaged = new(() => Synth("lambda-managed", new()
        {
            ["target"] = "lambda-managed",
            ["lambdaAsset"] = LambdaAsset,
        }));
        _lambdaManagedConfigured = new(() => Synth("lambda-managed-configured", new()
        {
            ["target"] = "lambda-managed",
            ["lambdaAsset"] = LambdaAsset,
            ["managedMemoryMb"] = "8192",
            ["managedMemoryPerVCpu"] = "4",
            ["managedConcurrency"] = "128",
            ["managedMinEnvironments"] = "2",
            ["managedMaxEnvironments"] = "10",
            ["managedMaxVCpu"] = "40",
            ["managedInstanceTypes"] = "m7i.xlarge, m7i.2xlarge",
            ["managedCpuTarget"] = "60",
            ["managedNatGateways"] = "2",
            ["alarmTopicArn"] = AlarmTopicArn,
            ["adotLayerArn"] = "none",
        }));
    }

    /// <summary>The placeholder Lambda asset directory.</summary>
    public string LambdaAsset { get; }

    /// <summary>The repository root (where SseRx.sln is).</summary>
    public static string RepositoryRoot => Repository.Root;

    /// <summary>The default Lambda target (no dashboard origin, ADOT layer on).</summary>
    public Synthesized Lambda => _lambda.Value;

    /// <summary>The Lambda target with origin, alarm topic, concurrency cap, no ADOT, 7-day logs and JWT auth.</summary>
    public Synthesized LambdaConfigured => _lambdaConfigured.Value;

    /// <summary>The Fargate target with the real Dockerfile.</summary>
    public Synthesized Fargate => _fargate.Value;

    /// <summary>The lambda-managed target with its defaults.</summary>
    public Synthesized LambdaManaged => _lambdaManaged.Value;

    /// <summary>
    /// The lambda-managed target with 8 GB at 4 GiB per vCPU (2 vCPUs), 128 streams per environment, 2 to 10
    /// environments, 40 vCPUs, two instance types, Manual scaling at 60 % CPU, two NAT gateways, an alarm topic, no ADOT.
    /// </summary>
    public Synthesized LambdaManagedConfigured => _lambdaManagedConfigured.Value;

    /// <summary>Builds an app from <paramref name="context"/> the way Program.cs does, without synthesizing.</summary>
    public App NewApp(string name, Dictionary<string, object> context) =>
        new(new AppProps { Context = context, Outdir = Path.Combine(_root, name) });

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp directory must not fail the run.
        }
    }

    private Synthesized Synth(string name, Dictionary<string, object> context)
    {
        var app = NewApp(name, context);
        var stack = SseRxApp.Build(app);
        var assembly = app.Synth();
        var artifact = assembly.GetStackByName(stack.StackName);
        var json = JsonNode.Parse(File.ReadAllText(artifact.TemplateFullPath))!.AsObject();
        return new Synthesized(stack, Template.FromStack(stack), json, assembly.Directory);
    }
}

/// <summary>One synthesized variant: the stack, its assertion template, its raw JSON, the cloud assembly directory.</summary>
public sealed record Synthesized(SseRxStack Stack, Template Template, JsonObject Json, string AssemblyDirectory)
{
    public JsonObject Resources => Json["Resources"]!.AsObject();

    /// <summary>Resources of one CloudFormation type, by logical id.</summary>
    public IEnumerable<KeyValuePair<string, JsonObject>> OfType(string type) =>
        Resources.Where(r => (string?)r.Value!["Type"] == type).Select(r => KeyValuePair.Create(r.Key, r.Value!.AsObject()));

    /// <summary>The logical id of a construct's CloudFormation resource.</summary>
    public string LogicalId(Constructs.IConstruct construct) =>
        Stack.GetLogicalId((CfnElement)construct.Node.DefaultChild!);

    /// <summary>A resource's properties by logical id.</summary>
    public JsonObject Properties(string logicalId) => Resources[logicalId]!["Properties"]!.AsObject();

    /// <summary>A Lambda function's environment variables by logical id.</summary>
    public JsonObject FunctionEnvironment(string functionId) => Properties(functionId)["Environment"]!["Variables"]!.AsObject();

    /// <summary>The one resource of <paramref name="type"/>; fails unless there is exactly one.</summary>
    public KeyValuePair<string, JsonObject> Single(string type) => Assert.Single(OfType(type));

    /// <summary>A JSON string's value, or null when the node is absent or not a string (a token such as Ref).</summary>
    public static string? Str(JsonNode? node) => node?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)node : null;
}

[CollectionDefinition(Name)]
public sealed class SynthCollection : ICollectionFixture<SynthFixture>
{
    public const string Name = "synth";
}
