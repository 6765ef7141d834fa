using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using SseRx.Host.Hosting;
using SseRx.Host.Observability;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Observability;

/// <summary>
/// Runs alone: an OpenTelemetry meter provider subscribes to meters by name, so it would count other tests' streams
/// (every app's meter is called <c>SseRx</c>) while they run at the same time.
/// </summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

/// <summary>
/// The <see cref="SseRxMetrics"/> instruments as CloudWatch EMF lines on (redirected) stdout: valid against the
/// specification, written on the interval, when the last stream ends and on shutdown, with values that add up.
/// </summary>
[Collection(nameof(MetricsCollection))]
public sealed class EmfMetricsTests
{
    private static Dictionary<string, string?> Emf(string flushInterval = "01:00:00", Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Observability:Emf:Enabled"] = "true",
            ["Observability:Emf:FlushInterval"] = flushInterval,
            ["Observability:ServiceName"] = "sserx-test",
            ["HeartbeatInterval"] = "01:00:00",
        };
        foreach (var (key, value) in more ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    [Fact]
    public async Task Lines_are_written_on_the_flush_interval_and_follow_the_specification()
    {
        await using var app = ObservedApp.Start(Emf("00:00:00.200"));
        await using var stream = await app.App.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        var open = app.Documents(SseRxMetrics.Names.ActiveStreams).Count;

        // The open stream is the up-down counter's current value, so every interval carries it.
        await Eventually.TrueAsync(
            () => app.Documents(SseRxMetrics.Names.ActiveStreams).Count >= open + 3, "three interval exports were written while the stream was open");

        foreach (var document in app.Documents(SseRxMetrics.Names.ActiveStreams).Skip(open).Take(3))
        {
            var directive = Assert.Single(document.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray());
            Assert.Equal("SseRx", directive.GetProperty("Namespace").GetString());
            var set = Assert.Single(directive.GetProperty("Dimensions").EnumerateArray());
            Assert.Equal(["Service", "Role", "sserx.stream.kind"], set.EnumerateArray().Select(d => d.GetString()));
            Assert.Equal("sserx-test", document.GetProperty("Service").GetString());
            Assert.Equal("all", document.GetProperty("Role").GetString());
            Assert.Equal("global", document.GetProperty("sserx.stream.kind").GetString());
            Assert.Equal(1, document.GetProperty(SseRxMetrics.Names.ActiveStreams).GetInt32());
            var unit = directive.GetProperty("Metrics").EnumerateArray().Single(m => m.GetProperty("Name").GetString() == SseRxMetrics.Names.ActiveStreams);
            Assert.Equal("Count", unit.GetProperty("Unit").GetString());
        }

        // Only the SseRx meter goes to EMF: ASP.NET Core's and the runtime's instruments are in the provider too.
        Assert.All(app.EmfDocuments, d => Assert.All(
            d.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").EnumerateArray(),
            m => Assert.StartsWith("sserx.", m.GetProperty("Name").GetString(), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Nothing_is_written_when_EMF_is_off()
    {
        await using var app = ObservedApp.Start(new Dictionary<string, string?> { ["MaxStreamLifetime"] = "00:00:01" });
        await using (var stream = await app.App.OpenStreamAsync())
        {
            await stream.ReadToEndAsync();
        }

        await Eventually.TrueAsync(() => app.Logs.Named("StreamClosed").Count == 1, "the stream ended");
        Assert.Null(app.App.Services.GetService<MeterProvider>());
        await app.App.Host.StopAsync();

        Assert.Empty(app.Emf.Lines);
    }

    [Fact]
    public async Task Shutdown_writes_the_last_period_and_rejections_are_counted_by_reason()
    {
        await using var app = ObservedApp.Start(Emf(more: new() { ["MaxConnections"] = "1" }));
        await using var admitted = await app.App.OpenStreamAsync();
        await admitted.NextOfTypeAsync(SseEventTypes.Heartbeat);
        for (var i = 0; i < 3; i++)
        {
            await using var refused = await app.App.OpenStreamAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Response.StatusCode);
        }

        Assert.Empty(app.Emf.Lines);
        await app.App.Host.StopAsync();

        Assert.Equal(3, app.Sum(SseRxMetrics.Names.RejectedStreams));
        var rejected = Assert.Single(app.Documents(SseRxMetrics.Names.RejectedStreams));
        Assert.Equal("ProcessLimit", rejected.GetProperty("sserx.rejection.reason").GetString());
    }

    [Fact]
    public async Task The_last_stream_to_reach_its_lifetime_flushes_before_its_response_ends()
    {
        // No lifetime jitter: the stream's duration is checked against the lifetime itself.
        await using var app = ObservedApp.Start(Emf(more: new() { ["MaxStreamLifetime"] = "00:00:01.500", ["MaxStreamLifetimeJitter"] = "0" }));
        await using var stream = await app.App.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        var items = Enumerable.Range(0, 5).Select(_ => app.App.AddItem()).ToList();

        await stream.ReadToEndAsync();

        // Read at once: the lines must exist before the client saw the end of the response.
        Assert.NotEmpty(app.Emf.Lines);
        Assert.Equal(stream.Received.Count, app.Sum(SseRxMetrics.Names.EventsSent));
        var latencies = app.Values(SseRxMetrics.Names.DeliveryDuration);
        Assert.Equal(stream.ItemIds().Count, latencies.Count);
        Assert.Equal(items.Count, latencies.Count);
        Assert.All(latencies, l => Assert.InRange(l, 0, SseRxApp.Deadline.TotalSeconds));
        Assert.NotEmpty(app.Values(SseRxMetrics.Names.PollDuration));
        var ended = Assert.Single(app.Documents(SseRxMetrics.Names.StreamDuration));
        Assert.Equal("Completed", ended.GetProperty("sserx.end_reason").GetString());
        Assert.InRange(ended.GetProperty(SseRxMetrics.Names.StreamDuration).GetDouble(), 1.5, SseRxApp.Deadline.TotalSeconds);
    }

    [Fact]
    public async Task Events_sent_adds_up_over_three_streams()
    {
        await using var app = ObservedApp.Start(Emf(more: new() { ["MaxStreamLifetime"] = "00:00:02" }));
        var streams = new List<SseStream>();
        for (var i = 0; i < 3; i++)
        {
            var stream = await app.App.OpenStreamAsync(client: app.App.NewClient());

            // After the first poll, so the items below are new to the feed.
            await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
            streams.Add(stream);
        }

        const int Items = 4;
        for (var i = 0; i < Items; i++)
        {
            app.App.AddItem();
        }

        foreach (var stream in streams)
        {
            await stream.ReadToEndAsync();
            Assert.Equal(Items, stream.ItemIds().Count);
        }

        await Eventually.TrueAsync(() => app.App.Gate.Active == 0, "every stream ended");
        await app.App.Host.StopAsync();

        Assert.Equal(streams.Sum(s => s.Received.Count), app.Sum(SseRxMetrics.Names.EventsSent));
        Assert.Equal(3 * Items, app.Values(SseRxMetrics.Names.DeliveryDuration).Count);
        Assert.Equal(3, app.Values(SseRxMetrics.Names.StreamDuration).Count);
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_failed_poll_is_a_poll_duration_with_its_error_type()
    {
        var source = new FailingSource();
        await using var app = ObservedApp.Start(
            Emf(more: new() { ["PollInterval"] = "00:00:00.050" }),
            services: s => s.AddSingleton<IEntryLog<SentimentItem>>(source));
        await using (var stream = await app.App.OpenStreamAsync())
        {
            await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
            await Eventually.TrueAsync(() => source.Reads >= 2, "the store was polled and failed");
        }

        await Eventually.TrueAsync(() => app.App.Runtime.Journal.ReaderCount == 0, "polling stopped with the last stream");
        await app.App.Host.StopAsync();

        var failed = app.Documents(SseRxMetrics.Names.PollDuration)
            .Where(d => d.TryGetProperty("error.type", out var type) && type.GetString() == typeof(TimeoutException).FullName)
            .ToList();
        Assert.NotEmpty(failed);
        var count = failed.Sum(d => d.GetProperty(SseRxMetrics.Names.PollDuration) is { ValueKind: JsonValueKind.Array } a ? a.GetArrayLength() : 1);
        Assert.Equal(source.Reads, count);
        Assert.DoesNotContain(app.Documents(SseRxMetrics.Names.PollDuration), d => !d.TryGetProperty("error.type", out _));
    }

    [Fact]
    public void A_document_with_full_histograms_stays_within_the_limits()
    {
        using var exporter = new ExporterUnderTest();
        for (var i = 0; i < 10_000; i++)
        {
            exporter.Metrics.Metrics.ItemsDelivered(1, i / 1000.0, i / 1000.0, i / 1000.0);
            exporter.Metrics.Metrics.PollCompleted(TimeSpan.FromMilliseconds(i % 700), error: null);
        }

        exporter.Metrics.Metrics.EventsSent(10_000);

        var document = Assert.Single(exporter.Collect());

        Assert.Equal(100, document.GetProperty(SseRxMetrics.Names.DeliveryDuration).GetArrayLength());
        Assert.Equal(0, document.GetProperty(SseRxMetrics.Names.DeliveryDuration)[0].GetDouble());
        Assert.Equal(9.999, document.GetProperty(SseRxMetrics.Names.DeliveryDuration)[99].GetDouble());
        Assert.Equal(100, document.GetProperty(SseRxMetrics.Names.PollDuration).GetArrayLength());
        Assert.Equal(10_000, document.GetProperty(SseRxMetrics.Names.EventsSent).GetInt64());
    }

    [Fact]
    public void A_period_without_measurements_writes_nothing_and_one_counter_writes_only_itself()
    {
        using var exporter = new ExporterUnderTest();

        Assert.Empty(exporter.Collect());

        exporter.Metrics.Metrics.EventsSent(7);
        var document = Assert.Single(exporter.Collect());
        var defined = document.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").EnumerateArray()
            .Select(m => m.GetProperty("Name").GetString()!).ToList();
        Assert.Equal([SseRxMetrics.Names.EventsSent], defined);
        Assert.Equal(7, document.GetProperty(SseRxMetrics.Names.EventsSent).GetInt64());

        // Delta temporality: the next period starts from zero.
        Assert.Empty(exporter.Collect());
    }

    [Theory]
    [InlineData("""{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]}}""", "Timestamp")]
    [InlineData("""{"_aws":{"Timestamp":NOW,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"M","Unit":"Requests"}]}]},"M":1}""", "unit")]
    [InlineData("""{"_aws":{"Timestamp":NOW,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["D"]],"Metrics":[{"Name":"M"}]}]},"M":1}""", "dimension D")]
    [InlineData("""{"_aws":{"Timestamp":NOW,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"M"}]}]}}""", "not a root member")]
    [InlineData("""{"_aws":{"Timestamp":NOW,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[[]],"Metrics":[{"Name":"M"}]}]},"M":"1"}""", "String")]
    [InlineData("""{"_aws":{"Timestamp":NOW,"CloudWatchMetrics":[{"Namespace":"","Dimensions":[[]],"Metrics":[]}]}}""", "Namespace")]
    public void The_checker_rejects_what_the_specification_forbids(string template, string expected)
    {
        var line = template.Replace("NOW", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

        var problems = EmfSpec.Problems(line);

        Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void The_checker_rejects_more_than_100_values_or_30_dimensions()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var dimensions = Enumerable.Range(0, 31).Select(i => $"D{i}").ToList();
        var document = new Dictionary<string, object>
        {
            ["_aws"] = new Dictionary<string, object>
            {
                ["Timestamp"] = now,
                ["CloudWatchMetrics"] = new[]
                {
                    new Dictionary<string, object>
                    {
                        ["Namespace"] = "N",
                        ["Dimensions"] = new[] { dimensions },
                        ["Metrics"] = new[] { new Dictionary<string, string> { ["Name"] = "M", ["Unit"] = "Count" } },
                    },
                },
            },
            ["M"] = Enumerable.Range(0, 101).ToArray(),
        };
        foreach (var dimension in dimensions)
        {
            document[dimension] = "v";
        }

        var problems = EmfSpec.Problems(JsonSerializer.Serialize(document));

        Assert.Contains(problems, p => p.Contains("101 values", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("31 dimensions", StringComparison.Ordinal));
    }

    /// <summary>
    /// The EMF exporter under a meter provider of the test's own, over a <see cref="MeasuredMetrics"/> meter; each
    /// <see cref="Collect"/> is one export period.
    /// </summary>
    private sealed class ExporterUnderTest : IDisposable
    {
        private readonly LineCapture _lines = new();
        private readonly BaseExportingMetricReader _reader;
        private readonly MeterProvider _provider;
        private int _read;

        public ExporterUnderTest()
        {
            var exporter = new EmfExporter(
                new EmfOutput(_lines),
                Options.Create(new ObservabilityOptions()),
                Options.Create(new SseRxHostOptions()),
                NullLogger<EmfExporter>.Instance);
            _reader = new BaseExportingMetricReader(exporter) { TemporalityPreference = MetricReaderTemporalityPreference.Delta };
            _provider = Sdk.CreateMeterProviderBuilder().AddMeter(SseRxMetrics.MeterName).AddReader(_reader).Build();
        }

        public MeasuredMetrics Metrics { get; } = new();

        /// <summary>Exports the period now and returns the documents it wrote, each checked against the specification.</summary>
        public List<JsonElement> Collect()
        {
            Assert.True(_reader.Collect(), "the collection succeeded");
            var lines = _lines.Lines.Skip(_read).ToList();
            _read += lines.Count;
            return lines.Select(EmfSpec.AssertValid).ToList();
        }

        public void Dispose()
        {
            _provider.Dispose();
            Metrics.Dispose();
        }
    }
}
