using System.Globalization;
using Amazon.CDK;
using Amazon.CDK.AWS.CloudWatch;
using Amazon.CDK.AWS.CloudWatch.Actions;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.SNS;
using Constructs;

namespace SseRx.Cdk;

/// <summary>
/// Two functions from ONE zip asset (the self-contained, ReadyToRun <c>dotnet publish</c> output plus
/// <c>run.sh</c>), each running Kestrel behind the AWS Lambda Web Adapter layer:
/// the api function (Role=api: REST, dashboard, /config.js) with a BUFFERED Function URL, and the stream
/// function (Role=stream: SSE) with a RESPONSE_STREAM Function URL.
/// </summary>
/// <remarks>
/// On classic Lambda every concurrent request gets its own execution environment, so each stream process serves
/// exactly one connection (SseRx__MaxConnections=1) and runs its own poller; resume across reconnects comes from
/// DynamoDB. With target lambda-managed the stream function runs on a <see cref="ManagedInstancesCapacity"/>, where one
/// environment serves many streams with one poller; the api function stays classic either way.
/// </remarks>
public sealed class LambdaDeployment : Construct
{
    /// <summary>The Lambda Web Adapter's account; its layer is LambdaAdapterLayerX86:{version} in every commercial region.</summary>
    public const string WebAdapterLayerAccount = "753240598075";

    /// <summary>The ADOT collector layer used when context <c>adotLayerArn</c> is not set (account 901920570463).</summary>
    public const string DefaultAdotLayerName = "901920570463:layer:aws-otel-collector-amd64-ver-0-102-1:1";

    /// <summary>The handler: the start-up script the adapter's exec wrapper runs (see cdk/lambda/run.sh).</summary>
    public const string Handler = "run.sh";

    /// <summary>Creates both functions, their URLs, log groups, alarms and outputs.</summary>
    public LambdaDeployment(Construct scope, string id, DeploymentSettings settings, SseRxTables tables) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(tables);

        var stack = Stack.Of(this);
        var code = Code.FromAsset(RequireAsset(settings.LambdaAsset));
        ILayerVersion[] layers = settings.AdotEnabled
            ?
            [
                WebAdapterLayer(stack, settings),
                LayerVersion.FromLayerVersionArn(this, "AdotCollector",
                    settings.AdotLayerArn ?? $"arn:{stack.Partition}:lambda:{stack.Region}:{DefaultAdotLayerName}"),
            ]
            : [WebAdapterLayer(stack, settings)];
        var alarmAction = settings.AlarmTopicArn is { } topicArn
            ? new SnsAction(Topic.FromTopicArn(this, "AlarmTopic", topicArn))
            : null;

        var managed = settings.Target == DeploymentTarget.LambdaManaged;
        Capacity = managed ? new ManagedInstancesCapacity(this, "Capacity", settings) : null;
        // Classic Lambda gives each stream an environment of its own. On Managed Instances one environment takes
        // managedConcurrency streams and the host admits exactly as many: Lambda sends an environment no more than
        // that, so the host's own 503 only fires if the two ever disagree.
        var streamEnv = HostEnvironment.For("stream", managed ? settings.ManagedConcurrency : 1, settings.StreamLifetime, "sserx-stream", settings, tables);
        streamEnv["AWS_LWA_INVOKE_MODE"] = "response_stream";
        StreamFunction = managed
            // A construct id of its own, so a switch from target lambda creates a new function: a function's capacity
            // provider cannot be added or removed once it exists.
            ? CreateFunction("ManagedStream", "SseRx SSE streams (Role=stream) on Lambda Managed Instances behind the Lambda Web Adapter",
                settings.ManagedMemoryMb, settings.StreamTimeout, streamEnv, code, layers, settings)
            : CreateFunction("Stream", "SseRx SSE streams (Role=stream) behind the Lambda Web Adapter",
                settings.StreamMemoryMb, settings.StreamTimeout, streamEnv, code, layers, settings,
                // Caps the environments (and so the cost) open streams can hold; a viewer over the cap gets a 429 and retries.
                reservedConcurrency: settings.StreamReservedConcurrency);
        Capacity?.Attach(StreamFunction, settings);

        tables.GrantRead(StreamFunction);
        StreamUrl = StreamFunction.AddFunctionUrl(new FunctionUrlOptions
        {
            AuthType = FunctionUrlAuthType.NONE,
            InvokeMode = InvokeMode.RESPONSE_STREAM,
            Cors = new FunctionUrlCorsOptions
            {
                // The dashboard is served by the api function's URL, which cannot be referenced here: the api
                // function already references this URL (its SseBaseUrl), and the reverse would be a cycle.
                AllowedOrigins = [settings.DashboardOrigin ?? "*"],
                AllowedMethods = [Amazon.CDK.AWS.Lambda.HttpMethod.GET],
                AllowedHeaders = ["Last-Event-ID", "Authorization", "X-User-ID", "Cache-Control"],
                MaxAge = Duration.Hours(1),
            },
        });
        if (settings.DashboardOrigin is null)
        {
            Annotations.Of(StreamUrl).AddWarningV2("sserx:streamCorsAnyOrigin",
                "The stream Function URL allows any origin. After the first deploy, redeploy with -c dashboardOrigin=<ApiUrl without the trailing slash>.");
        }

        var apiEnv = HostEnvironment.For("api", 1, settings.StreamLifetime, "sserx-api", settings, tables);
        // The stream URL ends with '/'; the dashboard appends absolute paths, so it gets the bare origin.
        apiEnv["SseRx__Dashboard__SseBaseUrl"] = Fn.Join("", ["https://", Fn.Select(2, Fn.Split("/", StreamUrl.Url))]);
        apiEnv["SseRx__Dashboard__ApiBaseUrl"] = "";
        ApiFunction = CreateFunction("Api", "SseRx REST API and dashboard (Role=api) behind the Lambda Web Adapter",
            settings.ApiMemoryMb, settings.ApiTimeout, apiEnv, code, layers, settings);
        tables.GrantReadAndConfigurationWrite(ApiFunction);
        ApiUrl = ApiFunction.AddFunctionUrl(new FunctionUrlOptions
        {
            AuthType = FunctionUrlAuthType.NONE,
            InvokeMode = InvokeMode.BUFFERED,
        });

        foreach (var (name, function) in new[] { ("Api", ApiFunction), ("Stream", StreamFunction) })
        {
            AddAlarm($"{name}Errors", function.MetricErrors(FiveMinuteSum()), $"SseRx {name.ToLowerInvariant()} function errors", alarmAction);
            AddAlarm($"{name}Throttles", function.MetricThrottles(FiveMinuteSum()), $"SseRx {name.ToLowerInvariant()} function throttles", alarmAction);
        }

        _ = new CfnOutput(stack, "ApiUrl", new CfnOutputProps
        {
            Value = ApiUrl.Url,
            Description = "The dashboard and REST API (BUFFERED Function URL). Open it in a browser.",
        });
        _ = new CfnOutput(stack, "StreamUrl", new CfnOutputProps
        {
            Value = StreamUrl.Url,
            Description = "The SSE endpoints (RESPONSE_STREAM Function URL); the dashboard gets it from /config.js.",
        });
        _ = new CfnOutput(stack, "ApiLogGroup", new CfnOutputProps { Value = ApiFunction.LogGroup.LogGroupName });
        _ = new CfnOutput(stack, "StreamLogGroup", new CfnOutputProps { Value = StreamFunction.LogGroup.LogGroupName });
        if (Capacity is not null)
        {
            _ = new CfnOutput(stack, "CapacityProviderArn", new CfnOutputProps
            {
                Value = Capacity.Arn,
                Description = "The Lambda Managed Instances capacity provider the stream function runs on.",
            });
        }
    }

    /// <summary>The capacity provider of the stream function, when the target is lambda-managed.</summary>
    public ManagedInstancesCapacity? Capacity { get; }

    /// <summary>The dashboard and REST function (Role=api).</summary>
    public Function ApiFunction { get; }

    /// <summary>The SSE function (Role=stream).</summary>
    public Function StreamFunction { get; }

    /// <summary>The api function's BUFFERED URL.</summary>
    public FunctionUrl ApiUrl { get; }

    /// <summary>The stream function's RESPONSE_STREAM URL.</summary>
    public FunctionUrl StreamUrl { get; }

    private Function CreateFunction(string id, string description, int memoryMb, TimeSpan timeout,
        Dictionary<string, string> env, Code code, ILayerVersion[] layers, DeploymentSettings settings, int? reservedConcurrency = null)
    {
        env["AWS_LAMBDA_EXEC_WRAPPER"] = "/opt/bootstrap";
        env["AWS_LWA_PORT"] = DeploymentSettings.Port.ToString(CultureInfo.InvariantCulture);
        env["PORT"] = DeploymentSettings.Port.ToString(CultureInfo.InvariantCulture);
        env["AWS_LWA_READINESS_CHECK_PATH"] = DeploymentSettings.HealthPath;
        // Few cores per environment and I/O-bound work (one stream on classic Lambda, a hundred on a 2-vCPU managed
        // environment): workstation GC keeps the heap small.
        env["DOTNET_gcServer"] = "0";
        return new Function(this, id, new FunctionProps
        {
            Description = description,
            // The app is self-contained (.NET 10); the managed runtime only supplies Amazon Linux 2023 and
            // exec-wrapper support, which OS-only runtimes (provided.*) lack.
            Runtime = Runtime.DOTNET_8,
            Handler = Handler,
            Code = code,
            Architecture = Architecture.X86_64,
            MemorySize = memoryMb,
            Timeout = Duration.Seconds(timeout.TotalSeconds),
            Tracing = Tracing.ACTIVE,
            Layers = layers,
            Environment = env,
            LogGroup = Logs.Create(this, id + "Logs", settings),
            ReservedConcurrentExecutions = reservedConcurrency,
        });
    }

    private ILayerVersion WebAdapterLayer(Stack stack, DeploymentSettings settings) =>
        LayerVersion.FromLayerVersionArn(this, "WebAdapter",
            $"arn:{stack.Partition}:lambda:{stack.Region}:{WebAdapterLayerAccount}:layer:LambdaAdapterLayerX86:{settings.LambdaWebAdapterLayerVersion}");

    private static MetricOptions FiveMinuteSum() => new() { Period = Duration.Minutes(5), Statistic = "Sum" };

    private void AddAlarm(string id, Metric metric, string description, SnsAction? action)
    {
        var alarm = metric.CreateAlarm(this, id, new CreateAlarmOptions
        {
            AlarmDescription = description,
            Threshold = 1,
            EvaluationPeriods = 1,
            ComparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            TreatMissingData = TreatMissingData.NOT_BREACHING,
        });
        if (action is not null)
        {
            alarm.AddAlarmAction(action);
        }
    }

    private static string RequireAsset(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(Path.Combine(full, Handler)))
        {
            throw new ArgumentException(
                $"The Lambda asset '{full}' has no {Handler}. Run cdk/build-lambda.sh first (it publishes the host there), " +
                "or pass -c lambdaAsset=<directory>.");
        }

        return full;
    }
}
