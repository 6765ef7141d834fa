using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using SseRx.Host.Observability;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Observability;

/// <summary>The three switches (on by default on AWS), the JSON console logs, and start-up validation.</summary>
public sealed class ObservabilitySettingsTests
{
    [Theory]
    [InlineData("AWS_LAMBDA_FUNCTION_NAME", "sserx-stream")]
    [InlineData("ECS_CONTAINER_METADATA_URI_V4", "http://169.254.170.2/v4/abc")]
    public void On_AWS_logs_metrics_and_traces_are_on_by_default(string variable, string value)
    {
        var options = Resolve(new() { [variable] = value });

        Assert.True(options.RunningOnAws);
        Assert.True(options.JsonLogsEnabled);
        Assert.True(options.EmfEnabled);
        Assert.True(options.TracesEnabled);

        // The collector the CDK app deploys forwards traces only; Prometheus needs a scraper.
        Assert.False(options.OtlpMetricsEnabled);
        Assert.False(options.PrometheusEnabled);
    }

    [Fact]
    public void Off_AWS_all_three_are_off_by_default()
    {
        var options = Resolve(new());

        Assert.False(options.RunningOnAws);
        Assert.False(options.JsonLogsEnabled);
        Assert.False(options.EmfEnabled);
        Assert.False(options.TracesEnabled);
        Assert.False(options.AnyMetricsExporter);
        Assert.Equal(TimeSpan.FromMinutes(1), options.Emf.FlushInterval);
        Assert.Equal("SseRx", options.Emf.Namespace);
        Assert.Equal(0.05, options.Traces.RootSampleRatio);
        Assert.Equal("sserx", options.EffectiveServiceName);
    }

    [Fact]
    public void Each_switch_overrides_the_AWS_default_either_way()
    {
        var onAws = Resolve(new()
        {
            ["AWS_LAMBDA_FUNCTION_NAME"] = "fn",
            ["SseRx:Observability:Logs:Json"] = "false",
            ["SseRx:Observability:Emf:Enabled"] = "false",
            ["SseRx:Observability:Traces:Enabled"] = "false",
        });
        var local = Resolve(new()
        {
            ["SseRx:Observability:Logs:Json"] = "true",
            ["SseRx:Observability:Emf:Enabled"] = "true",
            ["SseRx:Observability:Traces:Enabled"] = "true",
        });

        Assert.False(onAws.JsonLogsEnabled || onAws.EmfEnabled || onAws.TracesEnabled);
        Assert.True(local.JsonLogsEnabled && local.EmfEnabled && local.TracesEnabled);
    }

    [Fact]
    public void The_service_name_is_the_setting_else_OTEL_SERVICE_NAME_else_the_function_name()
    {
        Assert.Equal("fn", Resolve(new() { ["AWS_LAMBDA_FUNCTION_NAME"] = "fn" }).EffectiveServiceName);
        Assert.Equal("otel", Resolve(new() { ["AWS_LAMBDA_FUNCTION_NAME"] = "fn", ["OTEL_SERVICE_NAME"] = "otel" }).EffectiveServiceName);
        Assert.Equal("set", Resolve(new() { ["OTEL_SERVICE_NAME"] = "otel", ["SseRx:Observability:ServiceName"] = "set" }).EffectiveServiceName);
    }

    [Theory]
    [InlineData("Emf:FlushInterval", "00:00:00", "Emf:FlushInterval")]
    [InlineData("Emf:FlushInterval", "02:00:00", "Emf:FlushInterval")]
    [InlineData("Emf:Namespace", "AWS/Lambda", "Emf:Namespace")]
    [InlineData("Otlp:Endpoint", "localhost:4318", "Otlp:Endpoint")]
    [InlineData("Otlp:Protocol", "http/json", "Otlp:Protocol")]
    [InlineData("Traces:RootSampleRatio", "1.5", "Traces:RootSampleRatio")]
    public void A_bad_setting_stops_the_start_naming_it(string key, string value, string named)
    {
        var error = StartupValidation.Error(
            new Dictionary<string, string?> { [$"SseRx:Observability:{key}"] = value },
            static (services, configuration) => services.AddSseRxObservability(configuration));

        Assert.Contains($"SseRx:Observability:{named}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_Logs_Json_the_console_writes_single_line_json_with_utc_timestamps_and_structured_properties()
    {
        await using var app = ObservedApp.Start(
            new Dictionary<string, string?> { ["Observability:Logs:Json"] = "true", ["MaxStreamLifetime"] = "00:00:01" },
            logs: sp => new CapturingLoggerProvider(sp.GetServices<ConsoleFormatter>().Single(f => f.Name == ConsoleFormatterNames.Json)));
        Assert.Equal(ConsoleFormatterNames.Json, app.App.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName);

        await using (var stream = await app.App.OpenStreamAsync(headers: new Dictionary<string, string> { ["X-User-ID"] = "alice" }))
        {
            await stream.ReadToEndAsync();
        }

        await Eventually.TrueAsync(() => app.Logs.Named("StreamClosed").Count == 1, "the stream's end was logged");
        var line = app.Logs.Named("StreamClosed")[0].FormattedLine!.TrimEnd('\r', '\n');
        Assert.DoesNotContain('\n', line);
        using var json = JsonDocument.Parse(line);
        var root = json.RootElement;
        var timestamp = root.GetProperty("Timestamp").GetString()!;
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", timestamp);
        var at = DateTimeOffset.Parse(timestamp, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.Equal(101, root.GetProperty("EventId").GetInt32());
        Assert.Equal("Information", root.GetProperty("LogLevel").GetString());
        var state = root.GetProperty("State");
        Assert.Equal("Completed", state.GetProperty("EndReason").GetString());
        Assert.Equal("alice", state.GetProperty("UserId").GetString());
        Assert.Equal("global", state.GetProperty("StreamKind").GetString());
    }

    [Fact]
    public async Task Off_AWS_without_the_switch_the_console_format_is_not_json()
    {
        await using var app = SseRxApp.Start();

        var formatter = app.Services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>().CurrentValue.FormatterName;

        Assert.NotEqual(ConsoleFormatterNames.Json, formatter);
    }

    private static ObservabilityOptions Resolve(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        using var provider = Services(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<ObservabilityOptions>>().Value;
    }

    private static ServiceCollection Services(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddLogging();
        services.AddSseRxObservability(configuration);
        return services;
    }
}
