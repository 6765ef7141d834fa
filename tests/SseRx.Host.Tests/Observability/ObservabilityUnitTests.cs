using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Exporter;
using SseRx.Host.Observability;

namespace SseRx.Host.Tests.Observability;

/// <summary>The pieces without a host: the EMF distribution, the X-Ray header, the OTLP endpoint rules.</summary>
public sealed class ObservabilityUnitTests
{
    [Fact]
    public void A_distribution_with_few_values_returns_one_value_per_sample_with_exact_extremes()
    {
        var distribution = new EmfDistribution();
        long[] values = [3, 250, 17, 40_000, 999];
        foreach (var value in values)
        {
            distribution.Record(value);
        }

        var drained = distribution.Drain();

        Assert.Equal(values.Length, drained.Length);
        Assert.Equal(3, drained[0]);
        Assert.Equal(40_000, drained[^1]);
        Assert.Equal(drained.Order(), drained);
        var expected = values.Order().ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            // Within a bucket's 25 % of the real value.
            Assert.InRange(drained[i], expected[i] * 0.75, expected[i] * 1.25);
        }
    }

    [Fact]
    public void A_distribution_with_many_values_is_capped_at_100_and_keeps_its_shape()
    {
        var distribution = new EmfDistribution();
        for (var i = 1; i <= 100_000; i++)
        {
            distribution.Record(i % 1000);
        }

        var drained = distribution.Drain();

        Assert.Equal(EmfDistribution.MaxValues, drained.Length);
        Assert.Equal(0, drained[0]);
        Assert.Equal(999, drained[^1]);
        Assert.InRange(drained.Average(), 499.5 * 0.85, 499.5 * 1.15);
        Assert.InRange(drained[50], 400, 600);
    }

    [Fact]
    public void A_batch_records_its_count_in_one_call_and_draining_resets()
    {
        var distribution = new EmfDistribution();
        distribution.Record(count: 7, mean: 100, min: 80, max: 130);
        distribution.Record(-5);

        var drained = distribution.Drain();

        Assert.Equal(8, drained.Length);
        Assert.Equal(0, drained[0]);
        Assert.Equal(130, drained[^1]);
        Assert.Empty(distribution.Drain());
    }

    [Fact]
    public void Bucket_midpoints_stand_within_a_quarter_of_every_value_they_hold()
    {
        foreach (var value in new long[] { 0, 1, 7, 8, 9, 15, 16, 100, 1_000, 65_535, 1_000_000, 3_600_000, long.MaxValue / 2 })
        {
            var midpoint = EmfDistribution.Midpoint(EmfDistribution.Bucket(value));
            if (value < (1L << 41))
            {
                Assert.InRange(midpoint, value * 0.75, (value * 1.25) + 0.5);
            }
        }
    }

    [Fact]
    public void Stream_counters_count_flushed_events_and_time_new_items_from_ingest()
    {
        var metrics = new EmfMetrics();
        var now = DateTimeOffset.UtcNow;
        var counters = new StreamCounters(metrics, new FixedTime(now));
        var newest = Sentiment.SentimentEvents.NewItem(new Sentiment.SentimentItem("a", "AAPL", Sentiment.SentimentLabel.Positive, 0.5, now.AddMilliseconds(-200)));
        var oldest = Sentiment.SentimentEvents.NewItem(new Sentiment.SentimentItem("b", "AAPL", Sentiment.SentimentLabel.Positive, 0.5, now.AddMilliseconds(-900)));
        var heartbeat = SseEvents.Heartbeat(SseEventId.AtTime(now), now, 1, null);

        counters.Written(heartbeat);
        counters.Written(newest);
        counters.Written(oldest);
        counters.Flushed(3);
        counters.Written(heartbeat);
        counters.Flushed(1);

        Assert.Equal(4, counters.EventsSent);
        var sample = metrics.Collect(1, TimeSpan.FromSeconds(2));
        Assert.Equal(4, sample.EventsSent);
        Assert.Equal(2, sample.EventThroughput);
        Assert.Equal(new double[] { 200, 900 }, sample.IngestToFlushLatency);
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

        var (endpoint, resolved) = TracingSetup.ResolveExporter(new TracesSettings { OtlpEndpoint = setting }, configuration);

        Assert.Equal(new Uri(expected), endpoint);
        Assert.Equal(expectedProtocol, resolved);
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
