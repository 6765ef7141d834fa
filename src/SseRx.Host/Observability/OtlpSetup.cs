using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace SseRx.Host.Observability;

/// <summary>
/// The OpenTelemetry exporters' endpoints, the sampler and the resource, as pure functions of the settings (for
/// testing).
/// </summary>
internal static class OtlpSetup
{
    /// <summary>The two OTLP signals SseRx exports.</summary>
    public enum Signal
    {
        /// <summary>Spans (<c>/v1/traces</c>).</summary>
        Traces,

        /// <summary>Metrics (<c>/v1/metrics</c>).</summary>
        Metrics,
    }

    /// <summary>
    /// The OTLP endpoint and protocol of <paramref name="signal"/>: the <c>Otlp</c> settings, else the standard
    /// <c>OTEL_EXPORTER_OTLP_*</c> variables, else <c>http://localhost:4318/v1/{signal}</c> over http/protobuf. For
    /// http/protobuf a base address gets the signal's path appended (as the SDK does for the environment variable); a
    /// signal-specific address is used as is.
    /// </summary>
    public static (Uri Endpoint, OtlpExportProtocol Protocol) ResolveExporter(OtlpSettings settings, IConfiguration configuration, Signal signal)
    {
        var protocol = ParseProtocol(First(settings.Protocol, configuration[ObservabilityEnvironment.OtlpProtocol]))
            ?? OtlpExportProtocol.HttpProtobuf;
        var grpc = protocol == OtlpExportProtocol.Grpc;
        var specific = signal == Signal.Traces ? ObservabilityEnvironment.OtlpTracesEndpoint : ObservabilityEnvironment.OtlpMetricsEndpoint;

        if (First(settings.Endpoint) is null && First(configuration[specific]) is { } exact && IsHttpUri(exact))
        {
            return (new Uri(exact), protocol);
        }

        var baseAddress = First(settings.Endpoint, configuration[ObservabilityEnvironment.OtlpEndpoint]) is { } configured && IsHttpUri(configured)
            ? configured
            : grpc ? "http://localhost:4317" : "http://localhost:4318";
        return grpc ? (new Uri(baseAddress), protocol) : (AppendPath(baseAddress, signal == Signal.Traces ? "v1/traces" : "v1/metrics"), protocol);
    }

    /// <summary><c>http/protobuf</c> or <c>grpc</c> (case-insensitive), else <see langword="null"/>.</summary>
    public static OtlpExportProtocol? ParseProtocol(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
        "grpc" => OtlpExportProtocol.Grpc,
        _ => null,
    };

    /// <summary>Whether <paramref name="value"/> is an absolute http or https URL.</summary>
    public static bool IsHttpUri(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>Follows a remote or local parent's decision; samples <paramref name="rootRatio"/> of new traces.</summary>
    public static Sampler Sampler(double rootRatio) =>
        new ParentBasedSampler(rootRatio >= 1 ? new AlwaysOnSampler() : new TraceIdRatioBasedSampler(rootRatio));

    /// <summary>The resource: the service name and, on AWS, the platform (the collector's X-Ray exporter reads them).</summary>
    public static void Describe(ResourceBuilder resource, string serviceName, IConfiguration configuration)
    {
        resource.AddService(serviceName);
        var attributes = new Dictionary<string, object>(StringComparer.Ordinal);
        if (First(configuration[ObservabilityEnvironment.LambdaFunctionName]) is { } function)
        {
            attributes["cloud.provider"] = "aws";
            attributes["cloud.platform"] = "aws_lambda";
            attributes["faas.name"] = function;
        }
        else if (First(configuration[ObservabilityEnvironment.EcsMetadataUri]) is not null)
        {
            attributes["cloud.provider"] = "aws";
            attributes["cloud.platform"] = "aws_ecs";
        }

        resource.AddAttributes(attributes);
    }

    private static Uri AppendPath(string baseAddress, string path)
    {
        var builder = new UriBuilder(baseAddress);
        builder.Path = builder.Path.EndsWith('/') ? builder.Path + path : builder.Path + "/" + path;
        return builder.Uri;
    }

    private static string? First(params ReadOnlySpan<string?> values)
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
