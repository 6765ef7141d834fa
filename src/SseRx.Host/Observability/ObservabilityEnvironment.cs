namespace SseRx.Host.Observability;

/// <summary>
/// What the platform tells the process through its environment (read through <see cref="IConfiguration"/>, which
/// holds the environment variables), and the defaults that follow from it.
/// </summary>
internal static class ObservabilityEnvironment
{
    /// <summary>Set by Lambda in every function's environment.</summary>
    public const string LambdaFunctionName = "AWS_LAMBDA_FUNCTION_NAME";

    /// <summary>Set by the ECS agent in every task's containers (Fargate platform 1.4 and later).</summary>
    public const string EcsMetadataUri = "ECS_CONTAINER_METADATA_URI_V4";

    /// <summary>The OpenTelemetry service name variable.</summary>
    public const string OtelServiceName = "OTEL_SERVICE_NAME";

    /// <summary>The OTLP collector's base address, to which the signal path is appended.</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The OTLP collector's full traces address, used as is.</summary>
    public const string OtlpTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

    /// <summary>The OTLP collector's full metrics address, used as is.</summary>
    public const string OtlpMetricsEndpoint = "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT";

    /// <summary>The OTLP protocol: <c>http/protobuf</c> or <c>grpc</c>.</summary>
    public const string OtlpProtocol = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>Whether the process runs on Lambda or ECS.</summary>
    public static bool IsAws(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration[LambdaFunctionName]) ||
        !string.IsNullOrWhiteSpace(configuration[EcsMetadataUri]);

    /// <summary>The service name: the setting, else <c>OTEL_SERVICE_NAME</c>, else the Lambda function's name, else <c>sserx</c>.</summary>
    public static string ServiceName(IConfiguration configuration, string? setting) =>
        FirstSet(setting, configuration[OtelServiceName], configuration[LambdaFunctionName]) ?? ObservabilityOptions.DefaultServiceName;

    /// <summary>Fills in what <see cref="ObservabilityOptions"/> derives from the environment.</summary>
    public static void Apply(ObservabilityOptions options, IConfiguration configuration)
    {
        options.RunningOnAws = IsAws(configuration);
        options.EffectiveServiceName = ServiceName(configuration, options.ServiceName);
    }

    private static string? FirstSet(params ReadOnlySpan<string?> values)
    {
        foreach (var value in values)
        {
            if (!string.IsNullOrWhiteSpace(value))
            {
                return value.Trim();
            }
        }

        return null;
    }
}
