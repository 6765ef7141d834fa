using System.Net;
using System.Text.Json;
using SseRx.AspNetCore;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Streaming;

/// <summary>The global stream's contract over HTTP (TestServer; the socket-level cases are in <see cref="ConnectionLifecycleTests"/>).</summary>
public sealed class StreamTests
{
    [Fact]
    public async Task Stream_is_an_unbuffered_event_stream()
    {
        await using var app = SseRxApp.Start();
        await using var stream = await app.OpenStreamAsync();

        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(stream.Response.Headers.CacheControl?.NoCache, "Cache-Control: no-cache");
        Assert.Equal("no", Assert.Single(stream.Response.Headers.GetValues("X-Accel-Buffering")));
    }

    [Fact]
    public async Task First_event_is_a_heartbeat_with_retry_and_later_heartbeats_carry_the_last_id_without_retry()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["RetryInterval"] = "00:00:02.500", ["RetryJitter"] = "00:00:00.500" });
        await using var stream = await app.OpenStreamAsync();

        var first = await stream.NextAsync();
        Assert.NotNull(first);
        Assert.Equal(SseEventTypes.Heartbeat, first.Value.EventType);
        Assert.InRange(first.Value.ReconnectionInterval!.Value, TimeSpan.FromMilliseconds(2500), TimeSpan.FromMilliseconds(3000));
        Assert.True(SseEventId.TryParse(first.Value.EventId, out _), "a heartbeat's id is a valid cursor");
        var data = SseStream.Json(first.Value);
        Assert.Equal(["timestamp", "connections"], data.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, data.GetProperty("connections").GetInt32());

        // Nothing changes after the first metrics, so the next heartbeat comes after one silent second.
        var metrics = await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        var second = await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
        Assert.Null(second.ReconnectionInterval);
        Assert.Equal(stream.Received[^2].EventId, second.EventId);
        Assert.True(string.CompareOrdinal(second.EventId, metrics.EventId) >= 0);
    }

    [Fact]
    public async Task Metrics_arrive_from_the_first_poll_without_waiting_an_interval()
    {
        // With hour-long intervals, only the poll made at connect can deliver them within the deadline.
        await using var app = SseRxApp.Start(new Dictionary<string, string?>
        {
            ["PollInterval"] = "01:00:00",
            ["HeartbeatInterval"] = "01:00:00",
        });
        // Stamped a second ago, so they have settled by the first poll (which reads what is older than the store's
        // visibility delay).
        app.Store.Add(app.NewItem("AAPL", SentimentLabel.Positive, 0.8) with { Timestamp = DateTimeOffset.UtcNow.AddSeconds(-1) });
        app.Store.Add(app.NewItem("MSFT", SentimentLabel.Negative, -0.6) with { Timestamp = DateTimeOffset.UtcNow.AddSeconds(-1) });
        await using var stream = await app.OpenStreamAsync();

        var metrics = SseStream.Json(await stream.NextOfTypeAsync(SentimentEventTypes.Metrics));

        Assert.Equal(2, metrics.GetProperty("total").GetInt32());
        Assert.Equal(1, metrics.GetProperty("positive").GetInt32());
        Assert.Equal(1, metrics.GetProperty("negative").GetInt32());
        Assert.Equal(1, metrics.GetProperty("by_tag").GetProperty("AAPL").GetInt32());
    }

    [Fact]
    public async Task An_item_added_to_the_store_arrives_as_new_item()
    {
        await using var app = SseRxApp.Start();
        await using var stream = await app.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);

        var item = app.AddItem("NVDA", SentimentLabel.Negative, -0.75);
        var received = await stream.NextOfTypeAsync(SentimentEventTypes.NewItem);

        Assert.Equal(item.EventId.ToString(), received.EventId);
        var data = SseStream.Json(received);
        Assert.Equal(["item_id", "ticker", "sentiment", "score", "timestamp"], data.EnumerateObject().Select(p => p.Name));
        Assert.Equal(item.ItemId, data.GetProperty("item_id").GetString());
        Assert.Equal("NVDA", data.GetProperty("ticker").GetString());
        Assert.Equal("negative", data.GetProperty("sentiment").GetString());
        Assert.Equal(-0.75, data.GetProperty("score").GetDouble());
        Assert.Equal(item.Timestamp, data.GetProperty("timestamp").GetDateTimeOffset());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Resume_after_a_dropped_connection_replays_exactly_what_was_missed(bool useHeader)
    {
        await using var app = SseRxApp.Start();
        string lastSeen;
        var seen = new List<string>();
        await using (var first = await app.OpenStreamAsync())
        {
            await first.NextOfTypeAsync(SentimentEventTypes.Metrics);
            var items = Enumerable.Range(0, 3).Select(_ => app.AddItem()).ToList();
            await first.ReadUntilAsync(e => e.EventId == items[^1].EventId.ToString());
            seen.AddRange(first.ItemIds());
            lastSeen = first.LastEventId!;
        }

        // Missed while disconnected: these must be replayed, once each, in order.
        var missed = Enumerable.Range(0, 3).Select(_ => app.AddItem()).ToList();
        var path = useHeader ? "/api/v2/stream" : $"/api/v2/stream?lastEventId={Uri.EscapeDataString(lastSeen)}";
        await using var resumed = await app.OpenStreamAsync(path, lastEventId: useHeader ? lastSeen : null);
        var live = app.AddItem();
        await resumed.ReadUntilAsync(e => e.EventId == live.EventId.ToString());

        Assert.Equal(SseEventTypes.Heartbeat, resumed.Received[0].EventType);
        Assert.Equal(lastSeen, resumed.Received[0].EventId);
        Assert.DoesNotContain(resumed.Received, e => e.EventType == SseEventTypes.Resync);
        Assert.Equal(missed.Select(i => i.ItemId).Append(live.ItemId), resumed.ItemIds());
        Assert.Empty(resumed.ItemIds().Intersect(seen));
    }

    [Theory]
    [InlineData("not-an-id")]
    [InlineData("12345")]
    public async Task Malformed_last_event_id_gets_a_resync_then_metrics(string lastEventId)
    {
        await using var app = SseRxApp.Start();
        await using var stream = await app.OpenStreamAsync(lastEventId: lastEventId);

        var resync = await stream.NextOfTypeAsync(SseEventTypes.Resync);
        Assert.Equal("malformed", SseStream.Json(resync).GetProperty("reason").GetString());
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);

        var types = stream.Received.Select(e => e.EventType).Where(t => t != SseEventTypes.Heartbeat).ToList();
        Assert.Equal([SseEventTypes.Resync, SentimentEventTypes.Metrics], types.Take(2));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Overlong_last_event_id_is_refused_with_400_problem_details(bool useHeader)
    {
        await using var app = SseRxApp.Start();
        var overlong = new string('1', SseStreamResult.MaxLastEventIdLength + 1);
        using var request = new HttpRequestMessage(HttpMethod.Get, useHeader ? "/api/v2/stream" : $"/api/v2/stream?lastEventId={overlong}");
        if (useHeader)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", overlong);
        }

        using var response = await app.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, app.Gate.Active);
    }

    [Fact]
    public async Task Over_the_limit_a_stream_is_refused_with_503_retry_after_and_problem_details()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["MaxConnections"] = "1", ["RetryInterval"] = "00:00:04" });
        await using var admitted = await app.OpenStreamAsync();
        await admitted.NextOfTypeAsync(SseEventTypes.Heartbeat);

        using var refused = await app.Client.GetAsync("/api/v2/stream");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(6));
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.Equal(1, app.Gate.Active);
    }

    [Fact]
    public async Task Per_client_limit_counts_streams_by_user_id()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["MaxConnectionsPerClient"] = "1" });
        var alice = new Dictionary<string, string> { ["X-User-ID"] = "alice" };
        await using var first = await app.OpenStreamAsync(headers: alice);
        await first.NextOfTypeAsync(SseEventTypes.Heartbeat);

        await using var second = await app.OpenStreamAsync(headers: alice);
        await using var bob = await app.OpenStreamAsync(headers: new Dictionary<string, string> { ["X-User-ID"] = "bob" });

        Assert.Equal(HttpStatusCode.TooManyRequests, second.Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bob.Response.StatusCode);
    }

    [Fact]
    public async Task Stream_ends_cleanly_at_the_max_lifetime_and_resumes_with_nothing_lost()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["MaxStreamLifetime"] = "00:00:01.500" });
        string lastSeen;
        await using (var stream = await app.OpenStreamAsync())
        {
            await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
            await stream.ReadToEndAsync();
            Assert.True(stream.Ended);
            lastSeen = stream.LastEventId!;
        }

        await Eventually.TrueAsync(() => app.Gate.Active == 0, "the ended stream released its lease");
        var missed = app.AddItem();
        await using var resumed = await app.OpenStreamAsync(lastEventId: lastSeen);
        var received = await resumed.NextOfTypeAsync(SentimentEventTypes.NewItem);
        Assert.Equal(missed.EventId.ToString(), received.EventId);
    }
}
