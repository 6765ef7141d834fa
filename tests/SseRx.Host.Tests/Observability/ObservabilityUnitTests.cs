using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;
using SseRx.Host.Observability;

namespace SseRx.Host.Tests.Observability;

/// <summary>The pieces without a host: the instruments, the EMF histogram values, the X-Ray header, the OTLP endpoint rules.</summary>
public sealed class ObservabilityUnitTests
{
    [Fact]
    public void A_histogram_with_few_values_becomes_one_value_per_measurement_with_exact_extremes()
    {
        // 5 measurements: 0.003, 0.017 (first bucket, up to 0.025), 0.25 (up to 0.5), 0.999 (up to 1), 40 (unbounded).
        (double, long)[] buckets = [(0.025, 2), (0.5, 1), (1, 1), (double.PositiveInfinity, 1)];

        var values = EmfExporter.Quantiles(buckets, count: 5, min: 0.003, max: 40);

        Assert.Equal(5, values.Length);
        Assert.Equal(0.003, values[0]);
        Assert.Equal(40, values[^1]);
        Assert.Equal(values.Order(), values);
        Assert.InRange(values[1], 0.003, 0.025);
        Assert.InRange(values[2], 0.025, 0.5);
        Assert.InRange(values[3], 0.5, 1);
    }

    [Fact]
    public void A_histogram_with_many_values_is_capped_at_100_and_keeps_its_shape()
    {
        // 100,000 measurements spread evenly over 0..1 s, in ten buckets of 0.1 s.
        var buckets = Enumerable.Range(1, 10).Select(i => (i / 10.0, 10_000L)).Append((double.PositiveInfinity, 0L)).ToList();

        var values = EmfExporter.Quantiles(buckets, count: 100_000, min: 0, max: 0.999);

        Assert.Equal(EmfDocument.MaxValues, values.Length);
        Assert.Equal(0, values[0]);
        Assert.Equal(0.999, values[^1]);
        Assert.InRange(values.Average(), 0.5 * 0.95, 0.5 * 1.05);
        Assert.InRange(values[50], 0.45, 0.55);
    }

    [Theory]
    [InlineData("s", "Seconds")]
    [InlineData("ms", "Milliseconds")]
    [InlineData("By", "Bytes")]
    [InlineData("{stream}", "Count")]
    [InlineData("1", "Count")]
    [InlineData(null, "Count")]
    [InlineData("Cel", "None")]
    public void Instrument_units_map_to_CloudWatch_units(string? unit, string expected) =>
        Assert.Equal(expected, EmfExporter.CloudWatchUnit(unit));

    [Fact]
    public void A_batch_of_deliveries_keeps_its_count_sum_minimum_and_maximum_exact()
    {
        using var metrics = new MeasuredMetrics();

        metrics.Metrics.ItemsDelivered(items: 5, sum: 2.0, min: 0.1, max: 0.9);

        var recorded = metrics.Values(SseRxMetrics.Names.DeliveryDuration);
        Assert.Equal(5, recorded.Count);
        Assert.Equal(2.0, recorded.Sum(), 9);
        Assert.Equal(0.1, recorded.Min());
        Assert.Equal(0.9, recorded.Max());
    }

    [Fact]
    public void Stream_counters_count_flushed_events_and_time_new_items_from_ingest()
    {
        using var metrics = new MeasuredMetrics();
        var now = DateTimeOffset.UtcNow;
        var counters = new StreamCounters(metrics.Metrics, new FixedTime(now));
        var newest = SentimentEvents.NewItem(new SentimentItem("a", "AAPL", SentimentLabel.Positive, 0.5, now.AddMilliseconds(-200)));
        var oldest = SentimentEvents.NewItem(new SentimentItem("b", "AAPL", SentimentLabel.Positive, 0.5, now.AddMilliseconds(-900)));
        var heartbeat = SseEvents.Heartbeat(SseEventId.AtTime(now), now, 1, null);

        counters.Written(heartbeat);
        counters.Written(newest);
        counters.Written(oldest);
        counters.Flushed(3);
        counters.Written(heartbeat);
        counters.Flushed(1);

        Assert.Equal(4, counters.EventsSent);
        Assert.Equal(4, metrics.Values(SseRxMetrics.Names.EventsSent).Sum());
        Assert.Equal(new[] { 0.2, 0.9 }, metrics.Values(SseRxMetrics.Names.DeliveryDuration).Order());
    }

    [Fact]
    public void Every_instrument_has_a_semantic_convention_unit_and_a_description()
    {
        using var metrics = new MeasuredMetrics();

        var instruments = metrics.Instruments;

        Assert.Equal(6, instruments.Count);
        Assert.All(instruments, i => Assert.StartsWith("sserx.", i.Name, StringComparison.Ordinal));
        Assert.All(instruments, i => Assert.False(string.IsNullOrEmpty(i.Description), i.Name));
        Assert.All(instruments.Where(i => i.Name.EndsWith(".duration", StringComparison.Ordinal)), i => Assert.Equal("s", i.Unit));
        Assert.All(instruments.Where(i => !i.Name.EndsWith(".duration", StringComparison.Ordinal)), i => Assert.Matches(@"^\{[a-z]+\}$", i.Unit!));
    }

    [Fact]
    public void An_X_Amzn_Trace_Id_gives_the_trace_the_parent_and_the_sampling_decision()
    {
        const string Header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";

        Assert.True(TraceParents.TryParseAmazonTraceId(Header, out var parent));

        Assert.Equal("5759e988bd862e3fe1be46a994272793", parent.TraceId.ToHexString());
        Assert.Equal("53995c3f42cd8ad8", parent.SpanId.ToHexString());
        Assert.Equal(ActivityTraceFlags.Recorded, parent.TraceFlags);
        Assert.True(parent.IsRemote);
        Assert.Equal("1-5759e988-bd862e3fe1be46a994272793", TraceParents.ToAmazonTraceId(parent.TraceId));
    }

    [Theory]
    [InlineData("Sampled=0;Parent=53995C3F42CD8AD8; Root=1-5759E988-BD862E3FE1BE46A994272793;Lineage=a87bd80c:1", false)]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?", true)]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8", true)]
    public void Field_order_case_and_extra_fields_do_not_matter_and_only_Sampled_0_drops(string header, bool recorded)
    {
        Assert.True(TraceParents.TryParseAmazonTraceId(header, out var parent));

        Assert.Equal("5759e988bd862e3fe1be46a994272793", parent.TraceId.ToHexString());
        Assert.Equal(recorded, parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Self=1-5759e988-bd862e3fe1be46a994272794")]
    [InlineData("Root=2-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8")]
    [InlineData("Root=1-5759e988bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a99427279z;Parent=53995c3f42cd8ad8")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad")]
    [InlineData("Root=1-00000000-000000000000000000000000;Parent=53995c3f42cd8ad8")]
    [InlineData("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0000000000000000")]
    public void A_header_without_a_valid_root_and_parent_is_not_a_parent(string header) =>
        Assert.False(TraceParents.TryParseAmazonTraceId(header, out _));

    [Theory]
    [InlineData(null, null, null, null, "http://localhost:4318/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    [InlineData(null, null, "http://collector:4318", null, "http://collector:4318/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    [InlineData(null, null, "http://collector:4318/base/", null, "http://collector:4318/base/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    [InlineData(null, null, "http://collector:4318", "http://traces:9999/custom", "http://traces:9999/custom", OtlpExportProtocol.HttpProtobuf)]
    [InlineData("http://setting:4318", null, "http://env:4318", "http://traces:9999/custom", "http://setting:4318/v1/traces", OtlpExportProtocol.HttpProtobuf)]
    [InlineData(null, "grpc", null, null, "http://localhost:4317/", OtlpExportProtocol.Grpc)]
    public void The_OTLP_endpoint_follows_the_setting_then_the_standard_variables(
        string? setting, string? protocol, string? baseVariable, string? tracesVariable, string expected, OtlpExportProtocol expectedProtocol)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = baseVariable,
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = tracesVariable,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = protocol,
        }).Build();

        var (endpoint, resolved) = OtlpSetup.ResolveExporter(new OtlpSettings { Endpoint = setting }, configuration, OtlpSetup.Signal.Traces);

        Assert.Equal(new Uri(expected), endpoint);
        Assert.Equal(expectedProtocol, resolved);
    }

    [Theory]
    [InlineData(null, null, "http://localhost:4318/v1/metrics")]
    [InlineData("http://collector:4318", null, "http://collector:4318/v1/metrics")]
    [InlineData("http://collector:4318", "http://metrics:9999/custom", "http://metrics:9999/custom")]
    public void Metrics_go_to_the_same_collector_on_their_own_path(string? baseVariable, string? metricsVariable, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = baseVariable,
            ["OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"] = metricsVariable,
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = "http://traces:9999/only-traces",
        }).Build();

        var (endpoint, _) = OtlpSetup.ResolveExporter(new OtlpSettings(), configuration, OtlpSetup.Signal.Metrics);

        Assert.Equal(new Uri(expected), endpoint);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
