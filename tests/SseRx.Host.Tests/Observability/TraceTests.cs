using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Observability;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Observability;

/// <summary>
/// <c>sserx.stream</c>, <c>sserx.resume</c> and <c>sserx.poll</c> spans: parented on <c>X-Amzn-Trace-Id</c> (else
/// <c>traceparent</c>), tagged with what happened, and exported over OTLP/HTTP to a loopback collector.
/// </summary>
public sealed class TraceTests
{
    private static readonly Dictionary<string, string?> QuietHeartbeat = new() { ["HeartbeatInterval"] = "01:00:00" };

    [Fact]
    public async Task A_stream_with_an_X_Amzn_Trace_Id_joins_that_trace_under_its_parent()
    {
        using var capture = new ActivityCapture();
        var (header, traceId, parentId) = NewAmazonHeader();
        await using var app = ObservedApp.Start(QuietHeartbeat, kestrel: true);

        var stream = await app.App.OpenStreamAsync(client: app.App.NewClient(), headers: new Dictionary<string, string>
        {
            [TraceParents.AmazonTraceIdHeader] = header,
            ["X-User-ID"] = "alice",
        });
        await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
        await stream.DisposeAsync();

        var span = await SingleAsync(capture, SseRxActivities.Stream, traceId);
        Assert.Equal(traceId, span.TraceId);
        Assert.Equal(parentId, span.ParentSpanId);
        Assert.True(span.HasRemoteParent);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal("global", span.GetTagItem(SseRxActivities.Tags.StreamKind));
        Assert.Equal("alice", span.GetTagItem(SseRxActivities.Tags.UserId));
        Assert.Equal("ClientGone", span.GetTagItem(SseRxActivities.Tags.EndReason));
        Assert.True((long)span.GetTagItem(SseRxActivities.Tags.EventsSent)! >= 1);
        Assert.Equal(app.Logs.Named("StreamOpened").Single()["ConnectionId"], span.GetTagItem(SseRxActivities.Tags.ConnectionId));
        Assert.Equal(header[5..40], app.Logs.Named("StreamOpened").Single()["TraceId"]);
        await Eventually.TrueAsync(() => app.Logs.Named("StreamClosed").Count == 1, "the end was logged");
        Assert.Equal(header[5..40], app.Logs.Named("StreamClosed").Single()["TraceId"]);
    }

    [Fact]
    public async Task Without_an_X_Ray_header_a_W3C_traceparent_is_the_parent()
    {
        using var capture = new ActivityCapture();
        var traceId = ActivityTraceId.CreateRandom();
        var parentId = ActivitySpanId.CreateRandom();
        await using var app = ObservedApp.Start(new Dictionary<string, string?> { ["MaxStreamLifetime"] = "00:00:00.500" });

        await using (var stream = await app.App.OpenStreamAsync(headers: new Dictionary<string, string>
        {
            ["traceparent"] = $"00-{traceId.ToHexString()}-{parentId.ToHexString()}-01",
        }))
        {
            await stream.ReadToEndAsync();
        }

        var span = await SingleAsync(capture, SseRxActivities.Stream, traceId);
        Assert.Equal(parentId, span.ParentSpanId);
        Assert.Equal("Completed", span.GetTagItem(SseRxActivities.Tags.EndReason));
    }

    [Fact]
    public async Task A_resume_from_the_journal_is_an_sserx_resume_child_of_the_stream()
    {
        using var capture = new ActivityCapture();
        await using var app = ObservedApp.Start(QuietHeartbeat);
        await using var first = await app.App.OpenStreamAsync();
        await first.NextOfTypeAsync(SentimentEventTypes.Metrics);
        var item = app.App.AddItem();
        var newer = app.App.AddItem();
        await first.ReadUntilAsync(e => e.EventId == newer.EventId.ToString());

        var (header, traceId, _) = NewAmazonHeader();
        await using (var resumed = await app.App.OpenStreamAsync(
            lastEventId: item.EventId.ToString(), headers: new Dictionary<string, string> { [TraceParents.AmazonTraceIdHeader] = header }))
        {
            await resumed.NextOfTypeAsync(SentimentEventTypes.NewItem);
        }

        var stream = await SingleAsync(capture, SseRxActivities.Stream, traceId);
        var resume = Assert.Single(capture.InTrace(SseRxActivities.Resume, traceId));
        Assert.Equal(stream.SpanId, resume.ParentSpanId);
        Assert.Equal(ResumeOutcomes.Journal, resume.GetTagItem(SseRxActivities.Tags.ResumeOutcome));
        Assert.Equal(item.EventId.ToString(), resume.GetTagItem(SseRxActivities.Tags.LastEventId));
        Assert.True((int)resume.GetTagItem(SseRxActivities.Tags.ReplayedEvents)! >= 1, "the newer item was replayed from memory");
    }

    [Fact]
    public async Task A_malformed_Last_Event_ID_resumes_with_a_resync()
    {
        using var capture = new ActivityCapture();
        await using var app = ObservedApp.Start(QuietHeartbeat);
        var (header, traceId, _) = NewAmazonHeader();

        await using (var stream = await app.App.OpenStreamAsync(
            lastEventId: "not-an-id", headers: new Dictionary<string, string> { [TraceParents.AmazonTraceIdHeader] = header }))
        {
            await stream.NextOfTypeAsync(SseEventTypes.Resync);
        }

        await SingleAsync(capture, SseRxActivities.Stream, traceId);
        var resume = Assert.Single(capture.InTrace(SseRxActivities.Resume, traceId));
        Assert.Equal(ResumeOutcomes.Resync, resume.GetTagItem(SseRxActivities.Tags.ResumeOutcome));
        Assert.Equal("malformed", resume.GetTagItem(SseRxActivities.Tags.ResyncReason));
    }

    [Fact]
    public async Task An_id_the_journal_has_evicted_resumes_from_the_store_history()
    {
        using var capture = new ActivityCapture();
        await using var app = ObservedApp.Start(new Dictionary<string, string?>(QuietHeartbeat) { ["Journal:Capacity"] = "2" });
        await using var first = await app.App.OpenStreamAsync();
        await first.NextOfTypeAsync(SentimentEventTypes.Metrics);
        var cursor = app.App.AddItem("AAPL");
        await first.ReadUntilAsync(e => e.EventId == cursor.EventId.ToString());
        app.App.AddItem("MSFT");
        var last = app.App.AddItem("TSLA");

        // Each item brings a sentiment update and a metrics event too: a two-event journal has long evicted the cursor.
        await first.ReadUntilAsync(e => e.EventId == last.EventId.ToString());
        var (header, traceId, _) = NewAmazonHeader();
        await using (var stream = await app.App.OpenStreamAsync(
            lastEventId: cursor.EventId.ToString(),
            headers: new Dictionary<string, string> { [TraceParents.AmazonTraceIdHeader] = header }))
        {
            await stream.ReadUntilAsync(e => e.EventId == last.EventId.ToString());
            Assert.DoesNotContain(stream.Received, e => e.EventType == SseEventTypes.Resync);
            Assert.Equal(["MSFT", "TSLA"], stream.Received.Where(e => e.EventType == SentimentEventTypes.NewItem).Select(e => SseStream.Json(e).GetProperty("ticker").GetString()));
        }

        await SingleAsync(capture, SseRxActivities.Stream, traceId);
        var resume = Assert.Single(capture.InTrace(SseRxActivities.Resume, traceId));
        Assert.Equal(ResumeOutcomes.History, resume.GetTagItem(SseRxActivities.Tags.ResumeOutcome));

        // The two items from the store, merged with the state that changed after the cursor.
        Assert.InRange(Assert.IsType<int>(resume.GetTagItem(SseRxActivities.Tags.HistoryEvents)), 2, 8);
    }

    [Fact]
    public async Task An_id_older_than_the_store_resumes_with_a_resync_after_asking_the_history()
    {
        using var capture = new ActivityCapture();
        await using var app = ObservedApp.Start(QuietHeartbeat);
        var (header, traceId, _) = NewAmazonHeader();

        // Valid and within the history window, but older than this process's store: the store cannot answer.
        await using (var stream = await app.App.OpenStreamAsync(
            lastEventId: SseEventId.Create(DateTimeOffset.UtcNow.AddSeconds(-60), "cursor").ToString(),
            headers: new Dictionary<string, string> { [TraceParents.AmazonTraceIdHeader] = header }))
        {
            var resync = await stream.NextOfTypeAsync(SseEventTypes.Resync);
            Assert.Equal("unknown", SseStream.Json(resync).GetProperty("reason").GetString());
        }

        await SingleAsync(capture, SseRxActivities.Stream, traceId);
        var resume = Assert.Single(capture.InTrace(SseRxActivities.Resume, traceId));
        Assert.Equal(ResumeOutcomes.Resync, resume.GetTagItem(SseRxActivities.Tags.ResumeOutcome));
        Assert.Equal("unknown", resume.GetTagItem(SseRxActivities.Tags.ResyncReason));
    }

    [Fact]
    public async Task Polls_are_root_sserx_poll_spans_and_a_failed_poll_is_an_error()
    {
        using var capture = new ActivityCapture();
        var failing = new PollSpanFailingSource();
        await using var good = ObservedApp.Start(
            QuietHeartbeat,
            services: s => s.AddSingleton<IEntryLog<SentimentItem>>(sp => new PollSpanTestSource(sp.GetRequiredService<InMemorySentimentStore>())));
        await using var bad = ObservedApp.Start(QuietHeartbeat, services: s => s.AddSingleton<IEntryLog<SentimentItem>>(failing));
        await using var goodStream = await good.App.OpenStreamAsync();
        await using var badStream = await bad.App.OpenStreamAsync();
        await goodStream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        good.App.AddItem();
        await goodStream.NextOfTypeAsync(SentimentEventTypes.NewItem);
        await Eventually.TrueAsync(() => failing.Fetches >= 1 && Polls(capture, nameof(PollSpanFailingSource)).Count >= 1, "a failed poll was traced");

        var polls = Polls(capture, nameof(PollSpanTestSource));
        Assert.NotEmpty(polls);
        Assert.All(polls, p => Assert.Equal(default, p.ParentSpanId));
        Assert.All(polls, p => Assert.Equal(ActivityKind.Client, p.Kind));
        Assert.Contains(polls, p => p.GetTagItem(SseRxActivities.Tags.NewItems) is 1);
        var failed = Polls(capture, nameof(PollSpanFailingSource))[0];
        Assert.Equal(ActivityStatusCode.Error, failed.Status);
        Assert.Equal("The store did not answer.", failed.StatusDescription);
    }

    [Fact]
    public async Task Spans_are_exported_over_OTLP_http_protobuf_to_the_collector()
    {
        using var capture = new ActivityCapture();
        await using var collector = await OtlpCollector.StartAsync();
        var (header, traceId, _) = NewAmazonHeader();
        await using (var app = ObservedApp.Start(new Dictionary<string, string?>
        {
            ["Observability:Traces:Enabled"] = "true",
            ["Observability:Otlp:Endpoint"] = collector.BaseAddress.ToString(),
            ["Observability:ServiceName"] = "sserx-otlp-test",
            ["MaxStreamLifetime"] = "00:00:00.500",
        }))
        {
            var installed = DateTime.UtcNow;
            // A REST request is an HTTP server span of ASP.NET Core's instrumentation (streams have their own span).
            using (var rest = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/v2/metrics", UriKind.Relative)))
            {
                rest.Headers.Add("traceparent", $"00-{ActivityTraceId.CreateRandom().ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
                (await app.App.Client.SendAsync(rest)).EnsureSuccessStatusCode();
            }

            await using var stream = await app.App.OpenStreamAsync(headers: new Dictionary<string, string> { [TraceParents.AmazonTraceIdHeader] = header });
            await stream.ReadToEndAsync();

            // The last stream's end flushes the spans (before a Lambda environment could be frozen).
            var traceBytes = TraceBytes(traceId);
            await Eventually.TrueAsync(
                () => collector.Requests.Any(r => Contains(r.Body, traceBytes)),
                "the collector received a request carrying the trace id");

            // With traces on, traces started here (polls) get X-Ray-compatible ids: epoch seconds first.
            await Eventually.TrueAsync(
                () => capture.Stopped.Any(a => a.OperationName == SseRxActivities.Poll && a.StartTimeUtc > installed),
                "a poll was traced after the provider was built");
            var poll = capture.Stopped.First(a => a.OperationName == SseRxActivities.Poll && a.StartTimeUtc > installed);
            var seconds = long.Parse(poll.TraceId.ToHexString().AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            Assert.InRange(seconds, new DateTimeOffset(installed).ToUnixTimeSeconds() - 1, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        }

        var request = collector.Requests.First(r => Contains(r.Body, TraceBytes(traceId)));
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/traces", request.Path);
        Assert.Equal("application/x-protobuf", request.ContentType);
        Assert.True(Contains(request.Body, "sserx.stream"u8.ToArray()), "the body names the span");
        Assert.True(Contains(request.Body, "sserx-otlp-test"u8.ToArray()), "the body carries the service name");
        Assert.Contains(collector.Requests, r => Contains(r.Body, "GET /api/v2/metrics"u8.ToArray()));
    }

    [Fact]
    public void New_root_trace_ids_start_with_the_epoch_seconds()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var id = XRayTraceIds.NewTraceId().ToHexString();
        var after = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var seconds = long.Parse(id.AsSpan(0, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        Assert.InRange(seconds, before, after);
        Assert.NotEqual(XRayTraceIds.NewTraceId(), XRayTraceIds.NewTraceId());
    }

    private static (string Header, ActivityTraceId TraceId, ActivitySpanId ParentId) NewAmazonHeader()
    {
        var traceId = XRayTraceIds.NewTraceId();
        var parentId = ActivitySpanId.CreateRandom();
        var header = $"Root={TraceParents.ToAmazonTraceId(traceId)};Parent={parentId.ToHexString()};Sampled=1";
        return (header, traceId, parentId);
    }

    private static async Task<Activity> SingleAsync(ActivityCapture capture, string name, ActivityTraceId traceId)
    {
        await Eventually.TrueAsync(() => capture.InTrace(name, traceId).Count > 0, $"{name} in trace {traceId} was stopped");
        return Assert.Single(capture.InTrace(name, traceId));
    }

    private static List<Activity> Polls(ActivityCapture capture, string sourceType) =>
        capture.Stopped.Where(a => a.OperationName == SseRxActivities.Poll && (string?)a.GetTagItem(SseRxActivities.Tags.SourceType) == sourceType).ToList();

    private static byte[] TraceBytes(ActivityTraceId traceId)
    {
        var bytes = new byte[16];
        traceId.CopyTo(bytes);
        return bytes;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;

    /// <summary>A uniquely named store, so this test's poll spans can be told from other tests' in the shared listener.</summary>
    private sealed class PollSpanTestSource(IEntryLog<SentimentItem> inner) : DelegatingItems(inner);

    /// <summary>A uniquely named failing store.</summary>
    private sealed class PollSpanFailingSource : IEntryLog<SentimentItem>
    {
        private int _fetches;

        public int Fetches => Volatile.Read(ref _fetches);

        public TimeSpan VisibilityDelay => TimeSpan.Zero;

        public bool HoldsEverythingAfter(SseEventId after) => false;

        public SseEventId PositionOf(SentimentItem entry) => entry.EventId;

        public ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _fetches);
            return ValueTask.FromException<IReadOnlyList<SentimentItem>>(new TimeoutException("The store did not answer."));
        }
    }
}
