using System.Net;
using System.Net.ServerSentEvents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Security;

/// <summary>
/// Whatever a client resends as its <c>Last-Event-ID</c>, the stream opens, the client is told to resync when the id
/// cannot be resumed, and nothing throws or is logged as a failure. The ids travel percent-encoded in the
/// <c>lastEventId</c> query parameter, the one way to put CR, LF and NUL into the decoded value over HTTP.
/// </summary>
public sealed class MalformedIdTests
{
    /// <summary>Nasty ids as they appear in the query string (already percent-encoded where needed).</summary>
    private static readonly string[] MalformedQueryIds =
    [
        "%0D%0Aevent:%20new_item%0D%0Adata:%20%7B%7D%0D%0A%0D%0A",
        "1763795400123-a%0Aid:%201-x",
        "1763795400123-a%0Db",
        "1763795400123-a%0D%0A%0D%0Aevent:%20resync",
        "1763795400123-a%00b",
        "%00",
        "1763795400123-" + new string('a', SseEventId.MaxKeyLength + 1),
        "1763795400123-%C3%A9",
        "%EF%BC%91%EF%BC%97%EF%BC%96%EF%BC%93%EF%BC%97%EF%BC%99%EF%BC%95%EF%BC%94%EF%BC%90%EF%BC%90%EF%BC%91%EF%BC%92%EF%BC%93-a",
        "1763795400123-%ED%A0%80",
        "1763795400123-%F0%9F%92%A9",
        "%FF%FE",
        "-000000000001-a",
        "99999999999999-a",
        "1763795400123",
        "1763795400123-a%20b",
        "1763795400123-a,1763795400124-b",
        "+763795400123-a",
        "%201763795400123-a",
        "1763795400123-a%20",
        "1763795400123-a%E2%80%A8",
        "1763795400123-a%C2%85",
        "1763795400123_a",
        "0x1763795400123-a",
        "1.763795400123-a",
        new string('9', 200),
    ];

    [Fact]
    public async Task A_batch_of_malformed_ids_each_get_a_stream_with_a_valid_cursor_and_a_malformed_resync()
    {
        var logs = new CollectingLoggerProvider();
        await using var app = SseRxApp.Start(services: s => s.AddSingleton<ILoggerProvider>(logs));

        foreach (var id in MalformedQueryIds)
        {
            await using var stream = await app.OpenStreamAsync($"/api/v2/stream?lastEventId={id}");
            Assert.True(stream.Response.StatusCode == HttpStatusCode.OK, $"'{id}': status {(int)stream.Response.StatusCode}");

            // The first event's id is a cursor the server chose, never the client's garbage echoed back.
            var first = await stream.NextAsync() ?? throw new InvalidOperationException($"'{id}': the stream ended at once");
            Assert.Equal(SseEventTypes.Heartbeat, first.EventType);
            Assert.True(SseEventId.TryParse(first.EventId, out _), $"'{id}': heartbeat id '{first.EventId}'");

            var resync = await stream.NextOfTypeAsync(SseEventTypes.Resync);
            Assert.True(SseStream.Json(resync).GetProperty("reason").GetString() == "malformed", $"'{id}': {resync.Data}");
            Assert.True(SseEventId.TryParse(resync.EventId, out _), $"'{id}': resync id '{resync.EventId}'");
            await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        }

        await Eventually.TrueAsync(() => app.Gate.Active == 0 && app.Runtime.Journal.ReaderCount == 0, "every stream was released");
        Assert.Empty(logs.Entries);
    }

    [Fact]
    public async Task Two_last_event_id_headers_are_one_malformed_id_even_when_each_is_valid()
    {
        await using var app = SseRxApp.Start();
        var id = app.AddItem().EventId.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/stream");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", [id, id]);
        using var timeout = new CancellationTokenSource(SseRxApp.Deadline);

        using var response = await app.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
        {
            if (item.EventType == SseEventTypes.Resync)
            {
                Assert.Equal("malformed", SseStream.Json(item).GetProperty("reason").GetString());
                return;
            }
        }

        Assert.Fail("The stream ended without a resync.");
    }

    [Theory]
    [InlineData("0000000000001-", "too_old")] // (0000000000000- is the initial cursor: a new client, not a resync)
    [InlineData("1000000000000-a", "too_old")]
    public async Task Valid_ids_from_long_ago_resync_as_too_old(string id, string reason)
    {
        await using var app = SseRxApp.Start();
        await using var stream = await app.OpenStreamAsync(lastEventId: id);

        var resync = await stream.NextOfTypeAsync(SseEventTypes.Resync);

        Assert.Equal(reason, SseStream.Json(resync).GetProperty("reason").GetString());
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
    }

    [Fact]
    public async Task A_valid_id_from_the_far_future_gets_an_unknown_resync_then_the_state_and_live_items()
    {
        await using var app = SseRxApp.Start();
        await using var stream = await app.OpenStreamAsync(lastEventId: "9999999999999-zzz");

        // Honouring it would mean sending nothing until the year 2286: no server issued it.
        var resync = await stream.NextOfTypeAsync(SseEventTypes.Resync);
        Assert.Equal("unknown", SseStream.Json(resync).GetProperty("reason").GetString());
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);

        var item = app.AddItem();
        await stream.ReadUntilAsync(e => e.EventId == item.EventId.ToString());

        Assert.Single(stream.Received, e => e.EventType == SseEventTypes.Resync);
    }
}
