using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using SseRx.AspNetCore;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using SseRx.Host.Hosting;
using SseRx.Host.Sentiment;

namespace SseRx.Host.Observability;

/// <summary>Registers logs, metrics (<see cref="SseRxMetrics"/> and its exporters) and traces (see <see cref="ObservabilityOptions"/>).</summary>
internal static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The UTC timestamp format of JSON log lines (ISO 8601, milliseconds).</summary>
    internal const string JsonTimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    /// <summary>
    /// Adds the observability services. Which exporters exist is decided here, from <paramref name="configuration"/>
    /// (the environment included, for the AWS defaults); the rest of the settings are read when first needed. Invalid
    /// settings stop the start with a message (<see cref="ObservabilityOptionsValidator"/>).
    /// </summary>
    public static IServiceCollection AddSseRxObservability(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<ObservabilityOptions>()
            .Bind(configuration.GetSection(ObservabilityOptions.SectionName))
            .PostConfigure<IConfiguration>(ObservabilityEnvironment.Apply)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ObservabilityOptions>, ObservabilityOptionsValidator>());

        // Logs: the console provider the host already has switches to its built-in JSON formatter.
        services.AddOptions<ConsoleLoggerOptions>()
            .Configure<IOptions<ObservabilityOptions>>((console, observability) =>
            {
                if (observability.Value.JsonLogsEnabled)
                {
                    console.FormatterName = ConsoleFormatterNames.Json;
                }
            });
        services.Configure<JsonConsoleFormatterOptions>(json =>
        {
            json.UseUtcTimestamp = true;
            json.TimestampFormat = JsonTimestampFormat;
            json.IncludeScopes = true;
            json.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
        });

        // Metrics and traces: OpenTelemetry's hosting integration builds the providers, only for what is switched on, so
        // a process with everything off pays nothing (no listener on the meter, no hosting Activity per request). The
        // switches are read here, at registration, from the same configuration the options bind later.
        var settings = Snapshot(configuration);
        services.TryAddSingleton<SseRxMetrics>();
        services.TryAddSingleton(_ => new EmfOutput(Console.Out));
        services.TryAddSingleton<EmfExporter>();
        services.TryAddSingleton<TelemetryFlush>();
        services.AddHostedService(sp => sp.GetRequiredService<TelemetryFlush>());
        if (settings.AnyMetricsExporter || settings.TracesEnabled)
        {
            var telemetry = services.AddOpenTelemetry()
                .ConfigureResource(resource => OtlpSetup.Describe(resource, settings.EffectiveServiceName, configuration));
            if (settings.AnyMetricsExporter)
            {
                telemetry.WithMetrics(metrics => AddMetrics(metrics, settings, configuration));
            }

            if (settings.TracesEnabled)
            {
                telemetry.WithTracing(tracing => AddTracing(tracing, settings, configuration));
            }
        }

        services.TryAddSingleton<StreamTelemetry>();
        services.TryAddSingleton<ISseStreamListener>(static sp => sp.GetRequiredService<StreamTelemetry>());
        return services;
    }

    /// <summary>
    /// Builds the runtime over the items store that is registered last (so a replacement, a test's or the DynamoDB
    /// adapter, is instrumented too): the feed polls it through <see cref="InstrumentedEntryLog"/> (poll spans and
    /// metrics); resumes read it directly. The one hook in the host's registrations.
    /// </summary>
    public static SseRxRuntime CreateInstrumentedRuntime(this IServiceProvider services)
    {
        var items = services.GetRequiredService<IEntryLog<SentimentItem>>();
        var polled = new InstrumentedEntryLog(items, services.GetRequiredService<SseRxMetrics>(), services.GetRequiredService<TimeProvider>());
        var history = EventHistory.FromLog(items, SentimentFeed.ToEvent);
        return ActivatorUtilities.CreateInstance<SseRxRuntime>(services, (IEntryLog<SentimentItem>)polled, (IEventHistory)history);
    }

    /// <summary>The observability settings as the options will bind them, for the decisions made at registration.</summary>
    internal static ObservabilityOptions Snapshot(IConfiguration configuration)
    {
        var options = new ObservabilityOptions();
        configuration.GetSection(ObservabilityOptions.SectionName).Bind(options);
        ObservabilityEnvironment.Apply(options, configuration);
        return options;
    }

    /// <summary>Whether a request is an SSE stream (its own <c>sserx.stream</c> span) or a readiness probe: no HTTP span.</summary>
    internal static bool IsTracedRequest(HttpContext context)
    {
        var path = context.Request.Path;
        return !(path.StartsWithSegments("/health") ||
            (path.StartsWithSegments("/api/v2") && path.Value!.EndsWith("/stream", StringComparison.Ordinal)));
    }

    private static void AddMetrics(MeterProviderBuilder metrics, ObservabilityOptions settings, IConfiguration configuration)
    {
        metrics.AddMeter(SseRxMetrics.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation();
        if (settings.EmfEnabled)
        {
            // Delta temporality: each EMF line carries one period, which is what CloudWatch aggregates.
            metrics.AddReader(sp => new PeriodicExportingMetricReader(
                sp.GetRequiredService<EmfExporter>(), (int)settings.Emf.FlushInterval.TotalMilliseconds)
            {
                TemporalityPreference = MetricReaderTemporalityPreference.Delta,
            });
        }

        if (settings.OtlpMetricsEnabled)
        {
            var (endpoint, protocol) = OtlpSetup.ResolveExporter(settings.Otlp, configuration, OtlpSetup.Signal.Metrics);
            metrics.AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = endpoint;
                otlp.Protocol = protocol;
            });
        }

        if (settings.PrometheusEnabled)
        {
            metrics.AddPrometheusExporter();
        }
    }

    private static void AddTracing(TracerProviderBuilder tracing, ObservabilityOptions settings, IConfiguration configuration)
    {
        XRayTraceIds.Install();
        var (endpoint, protocol) = OtlpSetup.ResolveExporter(settings.Otlp, configuration, OtlpSetup.Signal.Traces);
        tracing.AddSource(SseRxActivities.SourceName)
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = IsTracedRequest)
            .SetSampler(OtlpSetup.Sampler(settings.Traces.RootSampleRatio))
            .AddOtlpExporter(otlp =>
            {
                otlp.Endpoint = endpoint;
                otlp.Protocol = protocol;
            });
    }
}
