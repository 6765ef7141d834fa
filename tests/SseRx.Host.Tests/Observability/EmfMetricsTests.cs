using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Tests.Infrastructure;
using SseRx.Sentiment;

namespace SseRx.Host.Tests.Observability;

/// <summary>
/// CloudWatch EMF lines on (redirected) stdout: valid against the specification, flushed on the interval, on shutdown
/// and when the last stream ends, with counters that add up.
/// </summary>
public sealed class EmfMetricsTests
{
    private static readonly string[] AllMetrics =
    [
        "ActiveConnections", "EventsSent", "EventThroughput", "PollErrors", "RejectedConnections",
    ];

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
        await stream.NextOfTypeAsync(SseEventTypes.Metrics);
        var open = app.Emf.Lines.Count;

        await Eventually.TrueAsync(() => app.Emf.Lines.Count >= open + 3, "three interval flushes were written while the stream was open");

        foreach (var document in app.EmfDocuments.Skip(open).Take(3))
        {
            Assert.Equal("interval", document.GetProperty("FlushReason").GetString());
            var directive = Assert.Single(document.GetProperty("_aws").GetProperty("CloudWatchMetrics").EnumerateArray());
            Assert.Equal("SseRx", directive.GetProperty("Namespace").GetString());
            var set = Assert.Single(directive.GetProperty("Dimensions").EnumerateArray());
            Assert.Equal(["Service", "Role"], set.EnumerateArray().Select(d => d.GetString()));
            Assert.Equal("sserx-test", document.GetProperty("Service").GetString());
            Assert.Equal("all", document.GetProperty("Role").GetString());
            var defined = directive.GetProperty("Metrics").EnumerateArray().Select(m => m.GetProperty("Name").GetString()!).ToList();
            Assert.Superset(AllMetrics.ToHashSet(), defined.ToHashSet());
            Assert.Equal(1, document.GetProperty("ActiveConnections").GetInt32());
        }
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
        await app.App.Host.StopAsync();

        Assert.Empty(app.Emf.Lines);
    }

    [Fact]
    public async Task Shutdown_writes_the_last_period_and_rejections_are_counted()
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

        var documents = app.EmfDocuments;
        Assert.Equal("shutdown", documents[^1].GetProperty("FlushReason").GetString());
        Assert.Equal(3, app.Sum("RejectedConnections"));
    }

    [Fact]
    public async Task The_last_stream_to_reach_its_lifetime_flushes_before_its_response_ends()
    {
        await using var app = ObservedApp.Start(Emf(more: new() { ["MaxStreamLifetime"] = "00:00:01.500" }));
        await using var stream = await app.App.OpenStreamAsync();
        await stream.NextOfTypeAsync(SseEventTypes.Metrics);
        var items = Enumerable.Range(0, 5).Select(_ => app.App.AddItem()).ToList();

        await stream.ReadToEndAsync();

        // Read at once: the line must exist before the client saw the end of the response.
        var lines = app.Emf.Lines;
        var idle = EmfSpec.AssertValid(Assert.Single(lines));
        Assert.Equal("idle", idle.GetProperty("FlushReason").GetString());
        Assert.Equal(stream.Received.Count, idle.GetProperty("EventsSent").GetInt64());
        Assert.True(idle.GetProperty("EventThroughput").GetDouble() > 0);
        var latencies = idle.GetProperty("IngestToFlushLatency").EnumerateArray().Select(v => v.GetDouble()).ToList();
        Assert.Equal(stream.ItemIds().Count, latencies.Count);
        Assert.Equal(items.Count, latencies.Count);
        Assert.All(latencies, l => Assert.InRange(l, 0, SseRxApp.Deadline.TotalMilliseconds));
        Assert.True(idle.TryGetProperty("PollDuration", out var polls) && polls.GetArrayLength() > 0, "the polls were timed");
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
            await stream.NextOfTypeAsync(SseEventTypes.Metrics);
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

        await Eventually.TrueAsync(() => app.App.Runtime.Gate.Active == 0, "every stream ended");
        await app.App.Host.StopAsync();

        Assert.Equal(streams.Sum(s => s.Received.Count), app.Sum("EventsSent"));
        var latencyValues = app.EmfDocuments
            .Where(d => d.TryGetProperty("IngestToFlushLatency", out _))
            .Sum(d => d.GetProperty("IngestToFlushLatency").GetArrayLength());
        Assert.Equal(3 * Items, latencyValues);
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task Every_failed_poll_is_a_poll_error_and_a_poll_duration()
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

        Assert.Equal(source.Reads, app.Sum("PollErrors"));
        var durations = app.EmfDocuments
            .Where(d => d.TryGetProperty("PollDuration", out _))
            .Sum(d => d.GetProperty("PollDuration").GetArrayLength());
        Assert.Equal(source.Reads, durations);
    }

    [Fact]
    public void A_document_with_full_distributions_stays_within_the_limits()
    {
        var metrics = new Host.Observability.EmfMetrics();
        for (var i = 0; i < 10_000; i++)
        {
            metrics.IngestToFlush.Record(i);
            metrics.PollDuration.Record(i % 700);
        }

        metrics.AddEventsSent(10_000);
        var sample = metrics.Collect(activeConnections: 19_000, TimeSpan.FromSeconds(60));
        var line = Host.Observability.EmfDocument.Format(sample, "SseRx", "sserx", "stream", DateTimeOffset.UtcNow, "interval");

        Assert.EndsWith("\n", line, StringComparison.Ordinal);
        var document = EmfSpec.AssertValid(line.TrimEnd('\n'));
        Assert.Equal(100, document.GetProperty("IngestToFlushLatency").GetArrayLength());
        Assert.Equal(100, document.GetProperty("PollDuration").GetArrayLength());
        Assert.Equal(10_000 / 60.0, document.GetProperty("EventThroughput").GetDouble(), 3);
        Assert.Equal(19_000, document.GetProperty("ActiveConnections").GetInt32());
    }

    [Fact]
    public void A_document_without_samples_leaves_the_distributions_out()
    {
        var sample = new Host.Observability.EmfMetrics().Collect(0, TimeSpan.FromSeconds(60));

        var document = EmfSpec.AssertValid(
            Host.Observability.EmfDocument.Format(sample, "SseRx", "sserx", "api", DateTimeOffset.UtcNow, "interval").TrimEnd('\n'));

        Assert.False(document.TryGetProperty("IngestToFlushLatency", out _));
        Assert.False(document.TryGetProperty("PollDuration", out _));
        var defined = document.GetProperty("_aws").GetProperty("CloudWatchMetrics")[0].GetProperty("Metrics").EnumerateArray()
            .Select(m => m.GetProperty("Name").GetString()!).ToHashSet();
        Assert.Equal(AllMetrics.ToHashSet(), defined);
        Assert.Equal(0, document.GetProperty("EventsSent").GetInt64());
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
}
