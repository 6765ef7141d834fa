namespace SseRx.Host.Observability;

/// <summary>
/// The <c>SseRx:Observability</c> settings (environment form <c>SseRx__Observability__Name</c>): JSON logs, the
/// <see cref="SseRxMetrics"/> instruments' exporters (CloudWatch Embedded Metric Format on stdout, OTLP, Prometheus) and
/// OpenTelemetry traces. JSON logs, EMF and traces left unset are on when the process runs on AWS
/// (<see cref="RunningOnAws"/>) and off elsewhere; OTLP metrics and Prometheus are off unless set. Read once at
/// start-up; not reloaded.
/// </summary>
internal sealed class ObservabilityOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "SseRx:Observability";

    /// <summary>
    /// The <c>Service</c> dimension of the metrics and the traces' <c>service.name</c>. Default: <c>OTEL_SERVICE_NAME</c>,
    /// else <c>AWS_LAMBDA_FUNCTION_NAME</c>, else <c>sserx</c> (see <see cref="EffectiveServiceName"/>).
    /// </summary>
    public string? ServiceName { get; set; }

    /// <summary>The <c>SseRx:Observability:Logs</c> settings.</summary>
    public LogsSettings Logs { get; set; } = new();

    /// <summary>The <c>SseRx:Observability:Emf</c> settings.</summary>
    public EmfSettings Emf { get; set; } = new();

    /// <summary>The <c>SseRx:Observability:Metrics</c> settings (OTLP and Prometheus exporters).</summary>
    public MetricsSettings Metrics { get; set; } = new();

    /// <summary>The <c>SseRx:Observability:Traces</c> settings.</summary>
    public TracesSettings Traces { get; set; } = new();

    /// <summary>The <c>SseRx:Observability:Otlp</c> settings: where traces and OTLP metrics go.</summary>
    public OtlpSettings Otlp { get; set; } = new();

    /// <summary>
    /// Whether the process runs on AWS: <c>AWS_LAMBDA_FUNCTION_NAME</c> (Lambda) or <c>ECS_CONTAINER_METADATA_URI_V4</c>
    /// (ECS, Fargate included) is set. Filled in from configuration at start-up; not a setting.
    /// </summary>
    public bool RunningOnAws { get; internal set; }

    /// <summary>The service name after defaults (filled in at start-up; not a setting).</summary>
    public string EffectiveServiceName { get; internal set; } = DefaultServiceName;

    /// <summary>Whether console logs are single-line JSON.</summary>
    public bool JsonLogsEnabled => Logs.Json ?? RunningOnAws;

    /// <summary>Whether EMF lines are written to stdout.</summary>
    public bool EmfEnabled => Emf.Enabled ?? RunningOnAws;

    /// <summary>Whether spans are exported over OTLP.</summary>
    public bool TracesEnabled => Traces.Enabled ?? RunningOnAws;

    /// <summary>Whether metrics are exported over OTLP.</summary>
    public bool OtlpMetricsEnabled => Metrics.Otlp ?? false;

    /// <summary>Whether <c>GET /metrics</c> serves the metrics in the Prometheus text format.</summary>
    public bool PrometheusEnabled => Metrics.Prometheus ?? false;

    /// <summary>Whether any exporter reads the metrics (otherwise no meter provider is built).</summary>
    public bool AnyMetricsExporter => EmfEnabled || OtlpMetricsEnabled || PrometheusEnabled;

    /// <summary>The service name when neither the setting nor the environment names one.</summary>
    internal const string DefaultServiceName = "sserx";
}

/// <summary>The <c>SseRx:Observability:Logs</c> settings.</summary>
internal sealed class LogsSettings
{
    /// <summary>
    /// Console logs as single-line JSON with UTC timestamps and structured properties (for CloudWatch Logs Insights).
    /// Default: on on AWS, else the plain console format.
    /// </summary>
    public bool? Json { get; set; }
}

/// <summary>The <c>SseRx:Observability:Emf</c> settings.</summary>
internal sealed class EmfSettings
{
    /// <summary>The longest <see cref="FlushInterval"/> accepted.</summary>
    internal static readonly TimeSpan MaxFlushInterval = TimeSpan.FromHours(1);

    /// <summary>Write the SseRx meter's instruments to stdout as EMF lines. Default: on on AWS, else off.</summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// How often the aggregated metrics are written (also when the last stream ends, and at shutdown). Default 1 minute;
    /// at most 1 hour.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The CloudWatch namespace of the metrics. Default <c>SseRx</c>.</summary>
    public string Namespace { get; set; } = "SseRx";
}

/// <summary>The <c>SseRx:Observability:Traces</c> settings.</summary>
internal sealed class TracesSettings
{
    /// <summary>Export <c>sserx.*</c> spans over OTLP. Default: on on AWS, else off.</summary>
    public bool? Enabled { get; set; }

    /// <summary>
    /// The share of traces started here (polls, and streams without an incoming trace header) that are sampled, from
    /// 0 to 1. A stream with an incoming header follows the caller's decision (on Lambda: Lambda's sampling). Default
    /// 0.05, like X-Ray's default rule: X-Ray bills per recorded trace, and every Lambda environment polls every
    /// few seconds.
    /// </summary>
    public double RootSampleRatio { get; set; } = 0.05;
}

/// <summary>The <c>SseRx:Observability:Metrics</c> settings: the exporters other than EMF.</summary>
internal sealed class MetricsSettings
{
    /// <summary>
    /// Export every metric (SseRx's, ASP.NET Core's, the runtime's) over OTLP to <see cref="OtlpSettings.Endpoint"/>, every
    /// <c>OTEL_METRIC_EXPORT_INTERVAL</c> milliseconds (default 60,000). Default off: the collector the CDK app deploys
    /// forwards traces only.
    /// </summary>
    public bool? Otlp { get; set; }

    /// <summary>Serve every metric at <c>GET /metrics</c> in the Prometheus text format (for a scraper next to a container). Default off.</summary>
    public bool? Prometheus { get; set; }
}

/// <summary>The <c>SseRx:Observability:Otlp</c> settings: the collector that receives traces and OTLP metrics.</summary>
internal sealed class OtlpSettings
{
    /// <summary>
    /// The OTLP collector's base address; <c>/v1/traces</c> or <c>/v1/metrics</c> is appended for http/protobuf. Default:
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, else <c>http://localhost:4318</c> (the ADOT collector's OTLP/HTTP port).
    /// <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> or <c>OTEL_EXPORTER_OTLP_METRICS_ENDPOINT</c>, when set and this is not,
    /// is used as is.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary><c>http/protobuf</c> or <c>grpc</c>. Default: <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else <c>http/protobuf</c>.</summary>
    public string? Protocol { get; set; }
}
