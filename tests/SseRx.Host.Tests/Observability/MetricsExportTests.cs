using System.Text;
using SseRx.Host.Observability;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Observability;

/// <summary>
/// The same instruments through the other exporters: OTLP/HTTP to a collector (with ASP.NET Core's and the runtime's),
/// and the Prometheus scraping endpoint. Each is off unless switched on. In <see cref="MetricsCollection"/>: the
/// scraped values would include other tests' streams.
/// </summary>
[Collection(nameof(MetricsCollection))]
public sealed class MetricsExportTests
{
    [Fact]
    public async Task With_Metrics_Otlp_every_meter_is_exported_to_the_collector_over_http_protobuf()
    {
        await using var collector = await OtlpCollector.StartAsync();
        await using (var app = ObservedApp.Start(new Dictionary<string, string?>
        {
            ["Observability:Metrics:Otlp"] = "true",
            ["Observability:Otlp:Endpoint"] = collector.BaseAddress.ToString(),
            ["Observability:ServiceName"] = "sserx-otlp-metrics",
            ["MaxStreamLifetime"] = "00:00:00.500",
        }))
        {
            (await app.App.Client.GetAsync(new Uri("/api/v2/metrics", UriKind.Relative))).EnsureSuccessStatusCode();
            await using var stream = await app.App.OpenStreamAsync();

            // The end of the last stream flushes the metrics.
            await stream.ReadToEndAsync();
            await Eventually.TrueAsync(
                () => collector.Requests.Any(r => r.Path == "/v1/metrics" && Contains(r.Body, SseRxMetrics.Names.EventsSent)),
                "the collector received the SseRx metrics");
        }

        var bodies = collector.Requests.Where(r => r.Path == "/v1/metrics").ToList();
        Assert.All(bodies, r => Assert.Equal("application/x-protobuf", r.ContentType));
        Assert.Contains(bodies, r => Contains(r.Body, "sserx-otlp-metrics"));
        Assert.Contains(bodies, r => Contains(r.Body, SseRxMetrics.Names.ActiveStreams));
        Assert.Contains(bodies, r => Contains(r.Body, "http.server.request.duration"));
        Assert.Contains(bodies, r => Contains(r.Body, "dotnet.gc.collections"));
        Assert.DoesNotContain(collector.Requests, r => r.Path == "/v1/traces");
    }

    [Fact]
    public async Task With_Metrics_Prometheus_GET_metrics_serves_the_instruments_in_the_text_format()
    {
        await using var app = ObservedApp.Start(new Dictionary<string, string?> { ["Observability:Metrics:Prometheus"] = "true" });
        await using (var stream = await app.App.OpenStreamAsync())
        {
            await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);

            var text = await app.App.Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));

            Assert.Contains("# TYPE sserx_stream_active", text, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^sserx_stream_active\{[^}]*sserx_stream_kind=""global""[^}]*\} [1-9]", text);
            Assert.Contains("sserx_poll_duration_seconds_bucket", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Without_the_switch_there_is_no_scraping_endpoint()
    {
        await using var app = SseRxApp.Start();

        var response = await app.Client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
