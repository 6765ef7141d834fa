using System.Net;
using System.Text;
using SseRx.AspNetCore;
using SseRx.Host.Tests.Infrastructure;
using static SseRx.Host.Tests.Configurations.ConfigurationApi;

namespace SseRx.Host.Tests.Security;

/// <summary>
/// Oversized and malformed request heads are refused with a clear 4xx before any stream work: Kestrel's limits
/// answer 431/414 before the app runs; an oversized <c>Last-Event-ID</c> is 400 before identity, gate or journal.
/// </summary>
public sealed class HeaderLimitTests
{
    private static readonly Dictionary<string, string?> QuietHeartbeat = new() { ["HeartbeatInterval"] = "01:00:00" };

    [Fact]
    public async Task Headers_over_kestrels_total_size_limit_are_431_and_open_nothing()
    {
        await using var app = SseRxApp.Start(QuietHeartbeat, kestrel: true);

        // Kestrel's default limit is 32 KiB for all headers together; a JWT-sized header stays far below it.
        using var huge = await SendAsync(app, "/api/v2/stream", ("X-Padding", new string('a', 40 * 1024)));
        using var hugeId = await SendAsync(app, "/api/v2/stream", ("Last-Event-ID", new string('1', 40 * 1024)));

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, huge.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, hugeId.StatusCode);
        await AssertNothingOpenedAndStillServingAsync(app);
    }

    [Fact]
    public async Task More_headers_than_kestrel_allows_are_431()
    {
        await using var app = SseRxApp.Start(QuietHeartbeat, kestrel: true);
        var headers = Enumerable.Range(0, 120).Select(i => ($"X-H{i}", "v")).ToArray();

        using var response = await SendAsync(app, "/api/v2/stream", headers);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        await AssertNothingOpenedAndStillServingAsync(app);
    }

    [Fact]
    public async Task A_request_line_over_kestrels_limit_is_414()
    {
        await using var app = SseRxApp.Start(QuietHeartbeat, kestrel: true);

        using var response = await SendAsync(app, "/api/v2/stream?lastEventId=" + new string('1', 10 * 1024));

        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
        await AssertNothingOpenedAndStillServingAsync(app);
    }

    [Theory]
    [InlineData("/api/v2/stream")]
    [InlineData("/api/v2/configurations/abc/stream")]
    public async Task A_last_event_id_just_over_the_limit_is_400_before_identity_gate_or_journal(string path)
    {
        await using var app = SseRxApp.Start(QuietHeartbeat, kestrel: true);
        var overlong = new string('1', SseStreamResult.MaxLastEventIdLength + 1);
        var longest = new string('1', SseStreamResult.MaxLastEventIdLength);

        // No identity on the configuration stream: the id is judged first, so even that costs no store lookup.
        using var refused = await SendAsync(app, path, ("Last-Event-ID", overlong));
        var problem = await AssertProblemAsync(refused, HttpStatusCode.BadRequest);
        Assert.Contains(SseStreamResult.MaxLastEventIdLength.ToString(System.Globalization.CultureInfo.InvariantCulture), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertNothingOpenedAndStillServingAsync(app);

        // At the limit it is read (and, being no id of ours, answered with a resync on the global stream).
        if (path == "/api/v2/stream")
        {
            await using var accepted = await app.OpenStreamAsync(path, lastEventId: longest, client: app.NewClient());
            Assert.Equal(HttpStatusCode.OK, accepted.Response.StatusCode);
            Assert.Equal("malformed", SseStream.Json(await accepted.NextOfTypeAsync(SseEventTypes.Resync)).GetProperty("reason").GetString());
        }
    }

    /// <summary>
    /// Raw header bytes and what happens to them: Kestrel itself refuses NUL, a bare CR, obs-fold and bytes that are
    /// not UTF-8 (400, before the app runs); the rest reach the handler, which must answer a malformed-id resync.
    /// </summary>
    public static TheoryData<string, byte[], int> RawHeaderValues => new()
    {
        { "NUL", [(byte)'1', 0, (byte)'2'], 400 },
        { "bare CR", Encoding.ASCII.GetBytes("1763795400123-a\rdata: injected"), 400 },
        { "obs-fold", Encoding.ASCII.GetBytes("1763795400123-a\r\n data: injected"), 400 },
        { "Latin-1", [(byte)'1', 0xE9], 400 },
        { "invalid UTF-8 (lone surrogate)", [(byte)'1', 0xED, 0xA0, 0x80], 400 },
        { "UTF-8", Encoding.UTF8.GetBytes("1763795400123-é"), 200 },
        { "DEL", Encoding.ASCII.GetBytes("1763795400123-a\u007f"), 200 },
        { "control character", Encoding.ASCII.GetBytes("1763795400123-a\u0001"), 200 },
    };

    [Theory]
    [MemberData(nameof(RawHeaderValues))]
    public async Task Raw_bytes_in_last_event_id_are_refused_by_kestrel_or_resynced_never_a_server_error(string why, byte[] value, int expected)
    {
        await using var app = SseRxApp.Start(QuietHeartbeat, kestrel: true);
        var endpoint = Endpoint(app);
        var request = new List<byte>(Encoding.ASCII.GetBytes($"GET /api/v2/stream HTTP/1.1\r\nHost: {endpoint}\r\nConnection: close\r\nLast-Event-ID: "));
        request.AddRange(value);
        request.AddRange("\r\n\r\n"u8.ToArray());
        using var timeout = new CancellationTokenSource(SseRxApp.Deadline);

        await using (var connection = await RawHttpConnection.SendAsync(endpoint, request.ToArray(), timeout.Token))
        {
            Assert.True(expected == connection.StatusCode, $"{why}: status {connection.StatusCode}");
            if (connection.StatusCode == 200)
            {
                await AssertMalformedResyncAsync(why, connection, timeout.Token);
            }
        }

        await AssertNothingOpenedAndStillServingAsync(app);
    }

    /// <summary>The stream opens with a heartbeat, then a malformed-id resync, every id one of ours.</summary>
    private static async Task AssertMalformedResyncAsync(string why, RawHttpConnection connection, CancellationToken cancellationToken)
    {
        using var body = connection.OpenBody();
        var events = System.Net.ServerSentEvents.SseParser.Create(body).EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        var types = new List<string>();
        while (!types.Contains(SseEventTypes.Resync) && await events.MoveNextAsync())
        {
            types.Add(events.Current.EventType);
            Assert.True(SseEventId.TryParse(events.Current.EventId, out _), $"{why}: event id '{events.Current.EventId}' is not an SseRx id");
            if (events.Current.EventType == SseEventTypes.Resync)
            {
                Assert.Equal("malformed", SseStream.Json(events.Current).GetProperty("reason").GetString());
            }
        }

        Assert.Equal([SseEventTypes.Heartbeat, SseEventTypes.Resync], types);
        await events.DisposeAsync();
    }

    private static async Task AssertNothingOpenedAndStillServingAsync(SseRxApp app)
    {
        await Eventually.TrueAsync(
            () => app.Gate.Active == 0 && app.Runtime.Journal.ReaderCount == 0,
            "no stream is left open or subscribed");
        using var health = await app.NewClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    private static async Task<HttpResponseMessage> SendAsync(SseRxApp app, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        // A fresh client: Kestrel closes the connection after refusing a request head.
        return await app.NewClient().SendAsync(request).WaitAsync(SseRxApp.Deadline);
    }

    internal static IPEndPoint Endpoint(SseRxApp app) =>
        new(IPAddress.TryParse(app.BaseAddress.Host, out var address) ? address : IPAddress.Loopback, app.BaseAddress.Port);
}
