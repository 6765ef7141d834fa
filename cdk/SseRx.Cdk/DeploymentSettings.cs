using System.Globalization;

namespace SseRx.Cdk;

/// <summary>Where the host runs: two Lambda functions (the stream one classic or on Managed Instances), or one ECS Fargate service behind an ALB.</summary>
public enum DeploymentTarget
{
    /// <summary>An api function (BUFFERED Function URL) and a stream function (RESPONSE_STREAM Function URL).</summary>
    Lambda,

    /// <summary>One Fargate service (Role=all) behind an Application Load Balancer.</summary>
    Fargate,

    /// <summary>
    /// As <see cref="Lambda"/>, but the stream function runs on a Lambda Managed Instances capacity provider, where
    /// one execution environment serves many streams.
    /// </summary>
    LambdaManaged,
}

/// <summary>The spelling of each <see cref="DeploymentTarget"/> in CDK context.</summary>
public static class DeploymentTargetNames
{
    /// <summary>The context value of <paramref name="target"/>: <c>lambda</c>, <c>fargate</c> or <c>lambda-managed</c>.</summary>
    public static string ContextName(this DeploymentTarget target) => target switch
    {
        DeploymentTarget.Lambda => "lambda",
        DeploymentTarget.Fargate => "fargate",
        DeploymentTarget.LambdaManaged => "lambda-managed",
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
    };

    /// <summary>Whether the target deploys the two Lambda functions (classic or Managed Instances stream function).</summary>
    public static bool UsesLambda(this DeploymentTarget target) => target is DeploymentTarget.Lambda or DeploymentTarget.LambdaManaged;
}

/// <summary>
/// Every knob of the CDK app, read from CDK context (<c>cdk synth -c key=value</c> or cdk.json).
/// </summary>
/// <remarks>
/// Durations are <see cref="TimeSpan"/>s written in the invariant constant format (<c>00:14:00</c>).
/// <see cref="Validate"/> runs before any construct is created, so a bad value fails synthesis with a
/// message that names the context key.
/// </remarks>
public sealed record DeploymentSettings
{
    /// <summary>The Lambda Web Adapter release the layer version and the Dockerfile follow.</summary>
    public const string LambdaWebAdapterVersion = "1.0.0";

    /// <summary>The port Kestrel listens on and the Lambda Web Adapter forwards to.</summary>
    public const int Port = 8080;

    /// <summary>The readiness path (the adapter's readiness check, the ALB health check).</summary>
    public const string HealthPath = "/health";

    /// <summary>Lambda's hard ceiling on a function timeout.</summary>
    public static readonly TimeSpan LambdaMaxTimeout = TimeSpan.FromMinutes(15);

    /// <summary>
    /// The first LambdaAdapterLayerX86 version whose adapter (1.0.0-rc1) forwards concurrent invocations, which
    /// Lambda Managed Instances needs (aws-lambda-web-adapter #625, first shipped in layer 26).
    /// </summary>
    public const int ManagedInstancesMinAdapterLayerVersion = 26;

    /// <summary>The smallest Managed Instances function: 2 GB and 1 vCPU (Lambda developer guide, scaling page).</summary>
    public const int ManagedMinMemoryMb = 2048;

    /// <summary>The largest function memory CloudFormation accepts (AWS::Lambda::Function MemorySize, 32768).</summary>
    public const int ManagedMaxMemoryMb = 32_768;

    /// <summary>
    /// AWS's guidance ceiling for PerExecutionEnvironmentMaxConcurrency: "up to 64 per vCPU" for invocations that use
    /// very little CPU (Lambda Managed Instances best practices and troubleshooting pages).
    /// </summary>
    public const int ManagedMaxConcurrencyPerVCpu = 64;

    /// <summary>The hard range of PerExecutionEnvironmentMaxConcurrency in CloudFormation and the Lambda API: 1 to 1600.</summary>
    public const int ManagedMaxConcurrency = 1600;

    /// <summary>Context key <c>target</c>: <c>lambda</c> (default), <c>fargate</c> or <c>lambda-managed</c>.</summary>
    public DeploymentTarget Target { get; init; } = DeploymentTarget.Lambda;

    /// <summary>Context key <c>stackName</c>; default <c>SseRx</c>. Both targets use it, so the tables survive a switch.</summary>
    public string StackName { get; init; } = "SseRx";

    /// <summary>Context key <c>pollInterval</c>; default 5 s (SseRx__PollInterval).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Context key <c>heartbeatInterval</c>; default 30 s (SseRx__HeartbeatInterval).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Context key <c>logRetentionDays</c>; default 30. Must be a value CloudWatch Logs accepts.</summary>
    public int LogRetentionDays { get; init; } = 30;

    /// <summary>Context key <c>alarmTopicArn</c>: an SNS topic the alarms notify; default none (alarms only).</summary>
    public string? AlarmTopicArn { get; init; }

    /// <summary>
    /// Context key <c>jwtAuthority</c>: the OIDC authority whose Bearer tokens identify users
    /// (SseRx__Auth__Jwt__Authority); default none. Without it (or a trusted X-User-ID proxy) the
    /// configuration endpoints answer 401, because a public URL must not trust X-User-ID.
    /// </summary>
    public string? JwtAuthority { get; init; }

    /// <summary>Context key <c>jwtAudience</c> (SseRx__Auth__Jwt__Audience); default none.</summary>
    public string? JwtAudience { get; init; }

    // ---- Lambda ----

    /// <summary>
    /// Context key <c>lambdaAsset</c>: the directory zipped into both functions (the self-contained
    /// <c>dotnet publish</c> output plus <c>run.sh</c>, made by <c>cdk/build-lambda.sh</c>); default
    /// <c>../artifacts/lambda</c>, relative to the working directory (cdk/ under <c>cdk synth</c>).
    /// </summary>
    public string LambdaAsset { get; init; } = Path.Combine("..", "artifacts", "lambda");

    /// <summary>
    /// Context key <c>dashboardOrigin</c>: the origin allowed by the stream Function URL's CORS (the api
    /// Function URL without its trailing slash). Default none: CORS then allows any origin, with a synth
    /// warning, because the api URL is unknown until the first deploy.
    /// </summary>
    public string? DashboardOrigin { get; init; }

    /// <summary>Context key <c>lwaLayerVersion</c>: version of LambdaAdapterLayerX86; default 27 (adapter 1.0.0).</summary>
    public int LambdaWebAdapterLayerVersion { get; init; } = 27;

    /// <summary>
    /// Context key <c>adotLayerArn</c>: the ADOT collector layer; default
    /// <c>arn:aws:lambda:${Region}:901920570463:layer:aws-otel-collector-amd64-ver-0-102-1:1</c>;
    /// <c>none</c> attaches no collector.
    /// </summary>
    public string? AdotLayerArn { get; init; }

    /// <summary>Whether the ADOT collector layer is attached (false when <c>adotLayerArn=none</c>).</summary>
    public bool AdotEnabled { get; init; } = true;

    /// <summary>Context key <c>apiMemoryMb</c>; default 1024.</summary>
    public int ApiMemoryMb { get; init; } = 1024;

    /// <summary>Context key <c>apiTimeout</c>; default 30 s.</summary>
    public TimeSpan ApiTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Context key <c>streamMemoryMb</c>; default 512. Each open stream pays for this for its whole lifetime.</summary>
    public int StreamMemoryMb { get; init; } = 512;

    /// <summary>Context key <c>streamTimeout</c>; default 15 min (Lambda's maximum).</summary>
    public TimeSpan StreamTimeout { get; init; } = LambdaMaxTimeout;

    /// <summary>Context key <c>streamLifetime</c>; default 14 min. Must be strictly below <see cref="StreamTimeout"/>.</summary>
    public TimeSpan StreamLifetime { get; init; } = TimeSpan.FromMinutes(14);

    /// <summary>Context key <c>streamReservedConcurrency</c>: caps concurrent viewers (and cost); default none.</summary>
    public int? StreamReservedConcurrency { get; init; }

    // ---- Lambda Managed Instances (target lambda-managed; the api function stays classic) ----

    /// <summary>
    /// Context key <c>managedMemoryMb</c>: the stream function's memory on the capacity provider; default 4096 (2 vCPUs
    /// at 2 GiB per vCPU). At least 2048, and a whole number of vCPUs at <see cref="ManagedMemoryGiBPerVCpu"/>.
    /// </summary>
    public int ManagedMemoryMb { get; init; } = 4096;

    /// <summary>Context key <c>managedMemoryPerVCpu</c>: ExecutionEnvironmentMemoryGiBPerVCpu, 2 to 8; default 2 (the C-family ratio).</summary>
    public int ManagedMemoryGiBPerVCpu { get; init; } = 2;

    /// <summary>
    /// Context key <c>managedConcurrency</c>: streams one execution environment serves. It is both the function's
    /// PerExecutionEnvironmentMaxConcurrency and the host's SseRx__MaxConnections, so the host never refuses what Lambda
    /// routes to it; default 100 (the spec's per-instance limit, FR-008), at most 64 per vCPU.
    /// </summary>
    public int ManagedConcurrency { get; init; } = 100;

    /// <summary>Context key <c>managedMinEnvironments</c>: FunctionScalingConfig.MinExecutionEnvironments; default 3 (AWS's default, one per AZ).</summary>
    public int ManagedMinEnvironments { get; init; } = 3;

    /// <summary>
    /// Context key <c>managedMaxEnvironments</c>: FunctionScalingConfig.MaxExecutionEnvironments; default 20. With
    /// <see cref="ManagedConcurrency"/> it caps concurrent viewers (and cost): 20 × 100 = 2,000 by default.
    /// </summary>
    public int ManagedMaxEnvironments { get; init; } = 20;

    /// <summary>
    /// Context key <c>managedMaxVCpu</c>: the capacity provider's MaxVCpuCount, the ceiling on EC2 capacity across its
    /// instances; default 64. Must leave room for <see cref="ManagedMaxEnvironments"/> environments.
    /// </summary>
    public int ManagedMaxVCpu { get; init; } = 64;

    /// <summary>
    /// Context key <c>managedInstanceTypes</c>: comma-separated EC2 instance types the capacity provider may launch
    /// (InstanceRequirements.AllowedInstanceTypes); default none (Lambda picks among x86_64 types).
    /// </summary>
    public IReadOnlyList<string> ManagedInstanceTypes { get; init; } = [];

    /// <summary>
    /// Context key <c>managedCpuTarget</c>: a target average CPU utilization (percent) for Manual scaling mode; default
    /// none (ScalingMode Auto). Streams are I/O-bound, so Auto, which also scales on concurrency saturation, suits them.
    /// </summary>
    public double? ManagedCpuTarget { get; init; }

    /// <summary>Context key <c>managedNatGateways</c>: NAT gateways for the capacity provider's private subnets, 1 or 2; default 1.</summary>
    public int ManagedNatGateways { get; init; } = 1;

    /// <summary>vCPUs of one stream execution environment: <see cref="ManagedMemoryMb"/> / (<see cref="ManagedMemoryGiBPerVCpu"/> GiB).</summary>
    public int ManagedVCpusPerEnvironment => ManagedMemoryMb / (ManagedMemoryGiBPerVCpu * 1024);

    // ---- Fargate ----

    /// <summary>Context key <c>imageContext</c>: the Docker build context (the repository root); default <c>..</c>.</summary>
    public string ImageContext { get; init; } = "..";

    /// <summary>Context key <c>dockerfile</c>, relative to <see cref="ImageContext"/>; default <c>src/SseRx.Host/Dockerfile</c>.</summary>
    public string Dockerfile { get; init; } = "src/SseRx.Host/Dockerfile";

    /// <summary>Context key <c>desiredCount</c>: Fargate tasks; default 2.</summary>
    public int DesiredCount { get; init; } = 2;

    /// <summary>Context key <c>cpu</c>: task CPU units; default 1024.</summary>
    public int Cpu { get; init; } = 1024;

    /// <summary>Context key <c>memoryMb</c>: task memory; default 2048.</summary>
    public int MemoryMb { get; init; } = 2048;

    /// <summary>Context key <c>maxConnections</c>: streams per Fargate task; default 10,000.</summary>
    public int FargateMaxConnections { get; init; } = 10_000;

    /// <summary>Context key <c>fargateStreamLifetime</c>: default 1 h, so long streams rebalance across tasks.</summary>
    public TimeSpan FargateStreamLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Context key <c>albIdleTimeout</c>: default 120 s. Must exceed <see cref="HeartbeatInterval"/>.</summary>
    public TimeSpan AlbIdleTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Context key <c>certificateArn</c>: an ACM certificate for an HTTPS (HTTP/2) listener; default none (HTTP).</summary>
    public string? CertificateArn { get; init; }

    /// <summary>Context key <c>adotCollectorImage</c>: the ADOT collector sidecar image on Fargate; <c>none</c> omits it.</summary>
    public string? AdotCollectorImage { get; init; } = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.0";

    /// <summary>Reads the settings from CDK context; a missing key keeps its default.</summary>
    /// <param name="context">Looks a context key up; returns <see langword="null"/> when it is not set.</param>
    /// <exception cref="ArgumentException">A value does not parse or breaks a rule (see <see cref="Validate"/>).</exception>
    public static DeploymentSettings FromContext(Func<string, object?> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var d = new DeploymentSettings();
        string? S(string key) => context(key) is { } v ? Convert.ToString(v, CultureInfo.InvariantCulture) : null;

        var adot = S("adotLayerArn");
        var collector = S("adotCollectorImage");
        var settings = d with
        {
            Target = S("target") switch
            {
                null or "lambda" => DeploymentTarget.Lambda,
                "fargate" => DeploymentTarget.Fargate,
                "lambda-managed" => DeploymentTarget.LambdaManaged,
                var other => throw new ArgumentException($"Context 'target' must be 'lambda', 'fargate' or 'lambda-managed', not '{other}'."),
            },
            StackName = S("stackName") ?? d.StackName,
            PollInterval = Duration(S, "pollInterval", d.PollInterval),
            HeartbeatInterval = Duration(S, "heartbeatInterval", d.HeartbeatInterval),
            LogRetentionDays = Int(S, "logRetentionDays") ?? d.LogRetentionDays,
            AlarmTopicArn = S("alarmTopicArn"),
            JwtAuthority = S("jwtAuthority"),
            JwtAudience = S("jwtAudience"),
            LambdaAsset = S("lambdaAsset") ?? d.LambdaAsset,
            DashboardOrigin = S("dashboardOrigin") is { } origin ? origin.TrimEnd('/') : null,
            LambdaWebAdapterLayerVersion = Int(S, "lwaLayerVersion") ?? d.LambdaWebAdapterLayerVersion,
            AdotEnabled = !string.Equals(adot, "none", StringComparison.OrdinalIgnoreCase),
            AdotLayerArn = string.Equals(adot, "none", StringComparison.OrdinalIgnoreCase) ? null : adot,
            ApiMemoryMb = Int(S, "apiMemoryMb") ?? d.ApiMemoryMb,
            ApiTimeout = Duration(S, "apiTimeout", d.ApiTimeout),
            StreamMemoryMb = Int(S, "streamMemoryMb") ?? d.StreamMemoryMb,
            StreamTimeout = Duration(S, "streamTimeout", d.StreamTimeout),
            StreamLifetime = Duration(S, "streamLifetime", d.StreamLifetime),
            StreamReservedConcurrency = Int(S, "streamReservedConcurrency"),
            ManagedMemoryMb = Int(S, "managedMemoryMb") ?? d.ManagedMemoryMb,
            ManagedMemoryGiBPerVCpu = Int(S, "managedMemoryPerVCpu") ?? d.ManagedMemoryGiBPerVCpu,
            ManagedConcurrency = Int(S, "managedConcurrency") ?? d.ManagedConcurrency,
            ManagedMinEnvironments = Int(S, "managedMinEnvironments") ?? d.ManagedMinEnvironments,
            ManagedMaxEnvironments = Int(S, "managedMaxEnvironments") ?? d.ManagedMaxEnvironments,
            ManagedMaxVCpu = Int(S, "managedMaxVCpu") ?? d.ManagedMaxVCpu,
            ManagedInstanceTypes = S("managedInstanceTypes") is { } types
                ? types.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                : d.ManagedInstanceTypes,
            ManagedCpuTarget = Number(S, "managedCpuTarget"),
            ManagedNatGateways = Int(S, "managedNatGateways") ?? d.ManagedNatGateways,
            ImageContext = S("imageContext") ?? d.ImageContext,
            Dockerfile = S("dockerfile") ?? d.Dockerfile,
            DesiredCount = Int(S, "desiredCount") ?? d.DesiredCount,
            Cpu = Int(S, "cpu") ?? d.Cpu,
            MemoryMb = Int(S, "memoryMb") ?? d.MemoryMb,
            FargateMaxConnections = Int(S, "maxConnections") ?? d.FargateMaxConnections,
            FargateStreamLifetime = Duration(S, "fargateStreamLifetime", d.FargateStreamLifetime),
            AlbIdleTimeout = Duration(S, "albIdleTimeout", d.AlbIdleTimeout),
            CertificateArn = S("certificateArn"),
            AdotCollectorImage = string.Equals(collector, "none", StringComparison.OrdinalIgnoreCase) ? null : collector ?? d.AdotCollectorImage,
        };
        settings.Validate();
        return settings;
    }

    /// <summary>Checks the cross-setting rules; throws <see cref="ArgumentException"/> naming the context key.</summary>
    public void Validate()
    {
        Require(PollInterval > TimeSpan.Zero, "pollInterval must be positive.");
        Require(HeartbeatInterval > TimeSpan.Zero, "heartbeatInterval must be positive.");
        Require(StreamTimeout > TimeSpan.Zero && StreamTimeout <= LambdaMaxTimeout,
            $"streamTimeout must be in (0, {LambdaMaxTimeout:c}] (Lambda's limit), not {StreamTimeout:c}.");
        // A stream still open at the timeout is killed mid-event and counted as a function error; ending it
        // first lets the browser's EventSource reconnect and resume from its last id.
        Require(StreamLifetime > TimeSpan.Zero && StreamLifetime < StreamTimeout,
            $"streamLifetime ({StreamLifetime:c}) must be positive and strictly below streamTimeout ({StreamTimeout:c}).");
        Require(HeartbeatInterval < StreamLifetime, "heartbeatInterval must be below streamLifetime.");
        Require(ApiTimeout > TimeSpan.Zero && ApiTimeout <= LambdaMaxTimeout, "apiTimeout must be in (0, 15 min].");
        Require(ApiMemoryMb is >= 128 and <= 10_240, "apiMemoryMb must be in [128, 10240].");
        Require(StreamMemoryMb is >= 128 and <= 10_240, "streamMemoryMb must be in [128, 10240].");
        Require(StreamReservedConcurrency is null or > 0, "streamReservedConcurrency must be positive.");
        Require(LambdaWebAdapterLayerVersion > 0, "lwaLayerVersion must be positive.");
        Require(DashboardOrigin is null || IsOrigin(DashboardOrigin),
            $"dashboardOrigin must be an origin such as https://abc.lambda-url.us-east-1.on.aws, not '{DashboardOrigin}'.");
        Require(JwtAuthority is null || (Uri.TryCreate(JwtAuthority, UriKind.Absolute, out var authority) && authority.Scheme == "https"),
            "jwtAuthority must be an https URL.");
        Require(DesiredCount > 0, "desiredCount must be positive.");
        Require(FargateMaxConnections > 0, "maxConnections must be positive.");
        Require(FargateStreamLifetime > HeartbeatInterval, "fargateStreamLifetime must exceed heartbeatInterval.");
        // The ALB closes a connection that has been silent for the idle timeout; the heartbeat must come sooner.
        Require(AlbIdleTimeout > HeartbeatInterval && AlbIdleTimeout <= TimeSpan.FromSeconds(4000),
            $"albIdleTimeout ({AlbIdleTimeout:c}) must exceed heartbeatInterval ({HeartbeatInterval:c}) and be at most 4000 s.");
        Require(Logs.RetentionFor(LogRetentionDays) is not null,
            $"logRetentionDays {LogRetentionDays} is not a CloudWatch Logs retention period (1, 3, 5, 7, 14, 30, 60, 90, ...).");
        ValidateManagedInstances();
    }

    private void ValidateManagedInstances()
    {
        Require(ManagedMemoryGiBPerVCpu is >= 2 and <= 8,
            $"managedMemoryPerVCpu must be in [2, 8] GiB per vCPU (ExecutionEnvironmentMemoryGiBPerVCpu), not {ManagedMemoryGiBPerVCpu}.");
        Require(ManagedMemoryMb is >= ManagedMinMemoryMb and <= ManagedMaxMemoryMb,
            $"managedMemoryMb must be in [{ManagedMinMemoryMb}, {ManagedMaxMemoryMb}] (a Managed Instances function has at least 2 GB and 1 vCPU), not {ManagedMemoryMb}.");
        Require(ManagedMemoryMb % (ManagedMemoryGiBPerVCpu * 1024) == 0,
            $"managedMemoryMb ({ManagedMemoryMb}) must be a whole number of vCPUs at managedMemoryPerVCpu={ManagedMemoryGiBPerVCpu} GiB, i.e. a multiple of {ManagedMemoryGiBPerVCpu * 1024}.");
        Require(ManagedConcurrency is >= 1 and <= ManagedMaxConcurrency,
            $"managedConcurrency must be in [1, {ManagedMaxConcurrency}] (PerExecutionEnvironmentMaxConcurrency), not {ManagedConcurrency}.");
        // Within AWS's stated range for low-CPU invocations; beyond it the scaler has no documented behaviour to rely on.
        Require(ManagedConcurrency <= ManagedMaxConcurrencyPerVCpu * Math.Max(1, ManagedVCpusPerEnvironment),
            $"managedConcurrency ({ManagedConcurrency}) must be at most {ManagedMaxConcurrencyPerVCpu} per vCPU; managedMemoryMb={ManagedMemoryMb} " +
            $"at {ManagedMemoryGiBPerVCpu} GiB per vCPU gives {ManagedVCpusPerEnvironment} vCPU(s). Raise managedMemoryMb or lower managedConcurrency.");
        Require(ManagedMinEnvironments is >= 1 and <= 15_000,
            $"managedMinEnvironments must be in [1, 15000] (0 would deactivate the function), not {ManagedMinEnvironments}.");
        Require(ManagedMaxEnvironments >= ManagedMinEnvironments && ManagedMaxEnvironments <= 15_000,
            $"managedMaxEnvironments ({ManagedMaxEnvironments}) must be at least managedMinEnvironments ({ManagedMinEnvironments}) and at most 15000.");
        Require(ManagedMaxVCpu is >= 2 and <= 15_000,
            $"managedMaxVCpu must be in [2, 15000] (MaxVCpuCount), not {ManagedMaxVCpu}.");
        Require(ManagedMaxVCpu >= ManagedMaxEnvironments * ManagedVCpusPerEnvironment,
            $"managedMaxVCpu ({ManagedMaxVCpu}) cannot hold managedMaxEnvironments ({ManagedMaxEnvironments}) environments of " +
            $"{ManagedVCpusPerEnvironment} vCPU(s); raise it to at least {ManagedMaxEnvironments * ManagedVCpusPerEnvironment} or lower managedMaxEnvironments.");
        Require(ManagedInstanceTypes.Count <= 400 && ManagedInstanceTypes.All(t => t.Length <= 30 && t.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-')),
            $"managedInstanceTypes must be up to 400 EC2 instance types such as c7i.xlarge, not '{string.Join(",", ManagedInstanceTypes)}'.");
        Require(ManagedCpuTarget is null or (> 0 and <= 100),
            $"managedCpuTarget must be a percentage in (0, 100], not {ManagedCpuTarget}.");
        Require(ManagedNatGateways is 1 or 2,
            $"managedNatGateways must be 1 or 2 (one per Availability Zone at most), not {ManagedNatGateways}.");
        if (Target == DeploymentTarget.LambdaManaged)
        {
            Require(LambdaWebAdapterLayerVersion >= ManagedInstancesMinAdapterLayerVersion,
                $"lwaLayerVersion {LambdaWebAdapterLayerVersion} predates Lambda Managed Instances support in the Web Adapter; " +
                $"target lambda-managed needs {ManagedInstancesMinAdapterLayerVersion} or later.");
            Require(StreamReservedConcurrency is null,
                "streamReservedConcurrency does not apply to target lambda-managed; cap viewers with managedMaxEnvironments × managedConcurrency.");
        }
    }

    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme is "https" or "http"
        && uri.AbsolutePath == "/" && !value.EndsWith('/') && string.IsNullOrEmpty(uri.Query);

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException($"Invalid CDK context: {message}");
        }
    }

    private static TimeSpan Duration(Func<string, string?> s, string key, TimeSpan fallback) =>
        s(key) is not { } text ? fallback
        : TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var value) ? value
        : throw new ArgumentException($"Context '{key}' must be a duration such as 00:14:00, not '{text}'.");

    private static double? Number(Func<string, string?> s, string key) =>
        s(key) is not { } text ? null
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value
        : throw new ArgumentException($"Context '{key}' must be a number, not '{text}'.");

    private static int? Int(Func<string, string?> s, string key) =>
        s(key) is not { } text ? null
        : int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value
        : throw new ArgumentException($"Context '{key}' must be an integer, not '{text}'.");
}
