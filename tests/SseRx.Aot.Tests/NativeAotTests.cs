using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using SseRx.Host.Tests.Observability;

namespace SseRx.Aot.Tests;

/// <summary>
/// One native host for the class: Production settings, started from its own working directory, the simulator feeding
/// the in-memory store fast, every exporter on (EMF on stdout, OTLP metrics and traces to a loopback collector,
/// Prometheus), <c>X-User-ID</c> trusted so the configuration API can be called.
/// </summary>
public sealed class NativeHostFixture : IAsyncLifetime
{
    public NativeHost Host { get; private set; } = null!;

    public OtlpCollector Collector { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Collector = await OtlpCollector.StartAsync();
        Host = await NativeHost.StartAsync(new Dictionary<string, string>
        {
            ["SseRx__PollInterval"] = "00:00:00.200",
            ["SseRx__Simulator__EventsPerSecond"] = "20",
            ["SseRx__Auth__TrustUserIdHeader"] = "true",
            ["SseRx__Observability__Emf__Enabled"] = "true",
            ["SseRx__Observability__Emf__FlushInterval"] = "00:00:01",
            ["SseRx__Observability__Metrics__Otlp"] = "true",
            ["SseRx__Observability__Metrics__Prometheus"] = "true",
            ["SseRx__Observability__Traces__Enabled"] = "true",
            ["SseRx__Observability__Traces__RootSampleRatio"] = "1",
            ["SseRx__Observability__Otlp__Endpoint"] = Collector.BaseAddress.ToString(),
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        });
        Client = Host.NewClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        await Collector.DisposeAsync();
    }
}

/// <summary>
/// The Native AOT binary serves every endpoint: nothing reaches a serializer, binder or route without the metadata
/// AOT needs (a JIT test cannot see that), and the content root is the binary's directory.
/// </summary>
public sealed class NativeAotTests(NativeHostFixture fixture) : IClassFixture<NativeHostFixture>
{
    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Health_answers_200_with_the_readiness_report()
    {
        using var response = await Client.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(json.RootElement.GetProperty("status").GetString(), new[] { "starting", "healthy" });
        Assert.Equal("all", json.RootElement.GetProperty("role").GetString());
        Assert.True(json.RootElement.GetProperty("poll").TryGetProperty("fetches", out _));
    }

    [Fact]
    public async Task The_dashboard_and_its_settings_are_served_from_the_binary_directory_whatever_the_working_directory()
    {
        var page = await Client.GetStringAsync(new Uri("/", UriKind.Relative));
        Assert.Contains("<html", page, StringComparison.OrdinalIgnoreCase);
        using (var script = await Client.GetAsync(new Uri("/app.js", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        }

        var config = await Client.GetStringAsync(new Uri("/config.js", UriKind.Relative));
        Assert.Contains("SSERX_CONFIG", config, StringComparison.Ordinal);

        // appsettings.json was read: its logging section names the lifetime category that prints the content root.
        Assert.Contains(fixture.Host.Lines, l => l.Contains("Content root path: " + fixture.Host.PublishDirectory, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_global_stream_sends_a_heartbeat_metrics_and_new_items_and_resumes_from_an_id()
    {
        string resumeFrom;
        await using (var stream = await OpenStreamAsync("/api/v2/stream"))
        {
            Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
            var first = await stream.NextAsync();
            Assert.Equal("heartbeat", first.EventType);
            var metrics = await stream.NextOfTypeAsync("metrics");
            using (var json = JsonDocument.Parse(metrics.Data))
            {
                Assert.True(json.RootElement.GetProperty("total").GetInt64() >= 0);
            }

            var item = await stream.NextOfTypeAsync("new_item");
            using (var json = JsonDocument.Parse(item.Data))
            {
                Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("ticker").GetString()));
            }

            resumeFrom = item.EventId!;
        }

        // Resume: the first new item after the id is newer than it, not a repeat.
        await using var resumed = await OpenStreamAsync("/api/v2/stream", lastEventId: resumeFrom);
        var next = await resumed.NextOfTypeAsync("new_item");
        Assert.True(string.CompareOrdinal(next.EventId, resumeFrom) > 0, $"{next.EventId} follows {resumeFrom}");
    }

    [Fact]
    public async Task A_malformed_Last_Event_ID_gets_a_resync()
    {
        await using var stream = await OpenStreamAsync("/api/v2/stream", lastEventId: "not-a-cursor");

        var resync = await stream.NextOfTypeAsync("resync");

        using var json = JsonDocument.Parse(resync.Data);
        Assert.Equal("malformed", json.RootElement.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task The_metrics_fallback_answers_the_snapshot_json()
    {
        using var json = JsonDocument.Parse(await Client.GetStringAsync(new Uri("/api/v2/metrics", UriKind.Relative)));

        Assert.True(json.RootElement.TryGetProperty("by_tag", out _));
        Assert.True(json.RootElement.TryGetProperty("rate_last_hour", out _));
    }

    [Fact]
    public async Task The_configuration_api_creates_reads_updates_streams_and_deletes()
    {
        const string User = "aot-user";
        using var created = await SendAsync(HttpMethod.Post, "/api/v2/configurations", User, """{"name":"watch","tickers":["AAPL","MSFT"]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = body.RootElement.GetProperty("id").GetString()!;
        Assert.Equal(User, body.RootElement.GetProperty("owner_id").GetString());

        using (var list = await SendAsync(HttpMethod.Get, "/api/v2/configurations", User))
        {
            Assert.Contains(id, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var updated = await SendAsync(HttpMethod.Put, $"/api/v2/configurations/{id}", User, """{"name":"watch","tickers":["NVDA"]}"""))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.Contains("NVDA", await updated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using (var stream = await OpenStreamAsync($"/api/v2/configurations/{id}/stream", user: User))
        {
            Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
            Assert.Equal("heartbeat", (await stream.NextAsync()).EventType);
        }

        using (var deleted = await SendAsync(HttpMethod.Delete, $"/api/v2/configurations/{id}", User))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        using var gone = await SendAsync(HttpMethod.Get, $"/api/v2/configurations/{id}", User);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("application/problem+json", gone.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Bad_input_and_missing_identity_are_problem_details()
    {
        using var invalid = await SendAsync(HttpMethod.Post, "/api/v2/configurations", "aot-user", """{"name":"","tickers":["not a ticker"]}""");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal("application/problem+json", invalid.Content.Headers.ContentType?.MediaType);
        Assert.Contains("tickers", await invalid.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        using var anonymous = await SendAsync(HttpMethod.Get, "/api/v2/configurations", user: null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Metrics_and_traces_are_exported_by_every_exporter()
    {
        await using (var stream = await OpenStreamAsync("/api/v2/stream"))
        {
            await stream.NextOfTypeAsync("new_item");
        }

        var prometheus = await Client.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("sserx_stream_sent_events", prometheus, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds", prometheus, StringComparison.Ordinal);

        await WaitUntilAsync(
            () => fixture.Host.Lines.Any(l => l.StartsWith("{\"_aws\"", StringComparison.Ordinal) && l.Contains("sserx.stream.sent.events", StringComparison.Ordinal)),
            "an EMF line with the events sent on stdout");
        var emf = fixture.Host.Lines.First(l => l.StartsWith("{\"_aws\"", StringComparison.Ordinal));
        using (JsonDocument.Parse(emf))
        {
            // A complete JSON document on one line.
        }

        await WaitUntilAsync(
            () => fixture.Collector.Requests.Any(r => r.Path == "/v1/metrics" && Contains(r.Body, "sserx.poll.duration")),
            "OTLP metrics at the collector");
        await WaitUntilAsync(
            () => fixture.Collector.Requests.Any(r => r.Path == "/v1/traces" && Contains(r.Body, "sserx.stream")),
            "OTLP spans at the collector");
    }

    [Fact]
    public async Task SIGTERM_ends_open_streams_and_the_process_with_exit_code_0()
    {
        await using var host = await NativeHost.StartAsync(new Dictionary<string, string> { ["SseRx__PollInterval"] = "00:00:00.200" });
        using var client = host.NewClient();
        await using var stream = await AotStream.OpenAsync(client, "/api/v2/stream", null, null);
        Assert.Equal("heartbeat", (await stream.NextAsync()).EventType);

        Assert.True(await host.StopAsync(), "the process exited");

        Assert.Equal(0, host.ExitCode);
        Assert.True(await stream.EndedAsync(), "the stream ended cleanly");
    }

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(NativeHost.Deadline);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!condition())
        {
            try
            {
                await timer.WaitForNextTickAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"Not seen within {NativeHost.Deadline}: {what}");
            }
        }
    }

    private Task<AotStream> OpenStreamAsync(string path, string? lastEventId = null, string? user = null) =>
        AotStream.OpenAsync(Client, path, lastEventId, user);

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? user, string? json = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (user is not null)
        {
            request.Headers.Add("X-User-ID", user);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        return await Client.SendAsync(request);
    }
}

/// <summary>One SSE response read with the framework's parser; every read has a deadline.</summary>
internal sealed class AotStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    private AotStream(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _events = SseParser.Create(body, static (_, data) => Encoding.UTF8.GetString(data)).EnumerateAsync().GetAsyncEnumerator();
    }

    public HttpResponseMessage Response => _response;

    public static async Task<AotStream> OpenAsync(HttpClient client, string path, string? lastEventId, string? user)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        if (user is not null)
        {
            request.Headers.Add("X-User-ID", user);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        return new AotStream(response, await response.Content.ReadAsStreamAsync());
    }

    public async Task<SseItem<string>> NextAsync()
    {
        Assert.True(await _events.MoveNextAsync().AsTask().WaitAsync(NativeHost.Deadline), "the stream ended early");
        return _events.Current;
    }

    public async Task<SseItem<string>> NextOfTypeAsync(string type)
    {
        while (true)
        {
            var item = await NextAsync();
            if (item.EventType == type)
            {
                return item;
            }
        }
    }

    /// <summary>Reads to the end; whether the server ended the response (rather than the deadline passing).</summary>
    public async Task<bool> EndedAsync()
    {
        try
        {
            while (await _events.MoveNextAsync().AsTask().WaitAsync(NativeHost.Deadline))
            {
            }

            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _events.DisposeAsync();
        _response.Dispose();
    }
}
