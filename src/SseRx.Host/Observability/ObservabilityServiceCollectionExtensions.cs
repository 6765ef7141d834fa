using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using SseRx.Host.Hosting;
using SseRx.Sentiment;

namespace SseRx.Host.Observability;

/// <summary>Registers logs, EMF metrics and traces (see <see cref="ObservabilityOptions"/>).</summary>
internal static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The UTC timestamp format of JSON log lines (ISO 8601, milliseconds).</summary>
    internal const string JsonTimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";

    /// <summary>
    /// Adds the observability services. Settings are read when first needed (so later configuration sources and test
    /// overrides apply); what runs on AWS by default is decided from the environment at that point.
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

        // Metrics.
        services.TryAddSingleton<EmfMetrics>();
        services.TryAddSingleton(_ => new EmfOutput(Console.Out));
        services.TryAddSingleton<EmfPublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<EmfPublisher>());

        // Traces.
        services.TryAddSingleton<SseRxTracing>();
        services.AddHostedService<TracingStartup>();

        services.TryAddSingleton<StreamTelemetry>();
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
        var polled = new InstrumentedEntryLog(items, services.GetRequiredService<EmfMetrics>(), services.GetRequiredService<TimeProvider>());
        var history = EventHistory.FromLog(items, SentimentFeed.ToEvent);
        return ActivatorUtilities.CreateInstance<SseRxRuntime>(services, (IEntryLog<SentimentItem>)polled, (IEventHistory)history);
    }
}

/// <summary>Builds the tracer provider when the host starts, so spans export from the first request on.</summary>
internal sealed class TracingStartup(SseRxTracing tracing) : IHostedService
{
    /// <summary>The tracing holder; resolving it built the provider.</summary>
    public SseRxTracing Tracing => tracing;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
