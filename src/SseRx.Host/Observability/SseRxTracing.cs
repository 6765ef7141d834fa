using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace SseRx.Host.Observability;

/// <summary>
/// Owns the OpenTelemetry <see cref="TracerProvider"/> that exports the <c>SseRx</c> source's spans over OTLP (to the
/// ADOT collector, which forwards them to X-Ray), when <see cref="ObservabilityOptions.TracesEnabled"/>.
/// </summary>
/// <remarks>
/// A DI singleton, built at start-up by <see cref="TracingStartup"/> and disposed with the container at shutdown,
/// which flushes the spans still queued. Sampling follows the caller's decision when a request carries a trace
/// header, else <see cref="TracesSettings.RootSampleRatio"/>. Spans are batched (the exporter's default, every
/// 5 seconds); <see cref="FlushAsync"/> pushes them out early, before a Lambda environment may be frozen.
/// </remarks>
internal sealed class SseRxTracing : IDisposable
{
    public SseRxTracing(IOptions<ObservabilityOptions> options, IConfiguration configuration)
    {
        var settings = options.Value;
        if (!settings.TracesEnabled)
        {
            return;
        }

        XRayTraceIds.Install();
        var (endpoint, protocol) = TracingSetup.ResolveExporter(settings.Traces, configuration);
        Endpoint = endpoint;
        Provider = Sdk.CreateTracerProviderBuilder()
            .AddSource(SseRxActivities.SourceName)
            .SetSampler(TracingSetup.Sampler(settings.Traces.RootSampleRatio))
            .ConfigureResource(resource => TracingSetup.Describe(resource, settings.EffectiveServiceName, configuration))
            .AddOtlpExporter(otlp =>
            {
                otlp.Protocol = protocol;
                otlp.Endpoint = endpoint;
            })
            .Build();
    }

    /// <summary>The provider, or <see langword="null"/> when traces are disabled.</summary>
    public TracerProvider? Provider { get; }

    /// <summary>Where spans are sent, or <see langword="null"/> when traces are disabled.</summary>
    public Uri? Endpoint { get; }

    /// <summary>
    /// Exports the queued spans now, waiting at most <paramref name="timeout"/>, off the calling thread (the SDK's
    /// flush blocks). Returns whether everything was exported; <see langword="true"/> when traces are disabled.
    /// </summary>
    public Task<bool> FlushAsync(TimeSpan timeout)
    {
        if (Provider is not { } provider)
        {
            return Task.FromResult(true);
        }

        return Task.Run(() => provider.ForceFlush((int)timeout.TotalMilliseconds));
    }

    public void Dispose() => Provider?.Dispose();
}

/// <summary>Builds <see cref="SseRxTracing"/>'s exporter settings, sampler and resource; pure functions, for testing.</summary>
internal static class TracingSetup
{
    private const string TracesPath = "v1/traces";

    /// <summary>
    /// The OTLP endpoint and protocol: the <c>Traces</c> settings, else the standard <c>OTEL_EXPORTER_OTLP_*</c>
    /// variables, else <c>http://localhost:4318/v1/traces</c> over http/protobuf. For http/protobuf a base address gets
    /// <c>/v1/traces</c> appended (as the SDK does for the environment variable); a traces-specific address is used as is.
    /// </summary>
    public static (Uri Endpoint, OtlpExportProtocol Protocol) ResolveExporter(TracesSettings settings, IConfiguration configuration)
    {
        var protocol = ParseProtocol(First(settings.OtlpProtocol, configuration[ObservabilityEnvironment.OtlpProtocol]))
            ?? OtlpExportProtocol.HttpProtobuf;
        var grpc = protocol == OtlpExportProtocol.Grpc;

        if (First(settings.OtlpEndpoint) is null && First(configuration[ObservabilityEnvironment.OtlpTracesEndpoint]) is { } traces &&
            IsHttpUri(traces))
        {
            return (new Uri(traces), protocol);
        }

        var baseAddress = First(settings.OtlpEndpoint, configuration[ObservabilityEnvironment.OtlpEndpoint]) is { } configured && IsHttpUri(configured)
            ? configured
            : grpc ? "http://localhost:4317" : "http://localhost:4318";
        return grpc ? (new Uri(baseAddress), protocol) : (AppendTracesPath(baseAddress), protocol);
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

    private static Uri AppendTracesPath(string baseAddress)
    {
        var builder = new UriBuilder(baseAddress);
        builder.Path = builder.Path.EndsWith('/') ? builder.Path + TracesPath : builder.Path + "/" + TracesPath;
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
