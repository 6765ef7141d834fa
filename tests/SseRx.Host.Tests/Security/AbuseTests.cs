using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SseRx.Host.Hosting;
using SseRx.Host.Tests.Infrastructure;
using static SseRx.Host.Tests.Configurations.ConfigurationApi;

namespace SseRx.Host.Tests.Security;

/// <summary>
/// One client cannot take every stream slot: the per-client cap on open streams and the connection rate limit both
/// answer 429 with <c>Retry-After</c> and problem details, while other clients are still served.
/// </summary>
public sealed class AbuseTests
{
    private const string QuietHeartbeat = "01:00:00";

    [Fact]
    public async Task A_client_at_its_stream_cap_gets_429_while_the_process_limit_stays_503()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?>
        {
            ["MaxConnectionsPerClient"] = "2",
            ["MaxConnections"] = "3",
            ["RetryInterval"] = "00:00:07",
        });
        var a1 = await OpenAdmittedAsync(app, User("alice"));
        await using var a2 = await OpenAdmittedAsync(app, User("alice"));

        using (var third = await GetAsync(app.Client, User("alice")))
        {
            var problem = await AssertProblemAsync(third, HttpStatusCode.TooManyRequests);
            Assert.InRange(third.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(9));
            Assert.Contains("too many open streams", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(2, app.Gate.Active);
        await using var bob = await OpenAdmittedAsync(app, User("bob"));

        using (var carol = await GetAsync(app.Client, User("carol")))
        {
            await AssertProblemAsync(carol, HttpStatusCode.ServiceUnavailable);
            Assert.InRange(carol.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(9));
        }

        // Alice's slot comes back when one of her streams ends.
        await a1.DisposeAsync();
        await Eventually.TrueAsync(() => app.Gate.Active == 2, "alice's closed stream released its slot");
        await using var again = await OpenAdmittedAsync(app, User("alice"));
        Assert.Equal(3, app.Gate.Active);
    }

    [Fact]
    public async Task By_default_one_address_holds_at_most_ten_streams_and_an_identified_user_counts_apart()
    {
        // null removes the test fixture's override, so the shipped default applies.
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?> { ["MaxConnectionsPerClient"] = null, ["HeartbeatInterval"] = QuietHeartbeat },
            kestrel: true);
        var client = app.NewClient();
        var streams = new List<SseStream>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                streams.Add(await OpenAdmittedAsync(app, headers: null, client));
            }

            using (var eleventh = await GetAsync(client, headers: null))
            {
                await AssertProblemAsync(eleventh, HttpStatusCode.TooManyRequests);
                Assert.NotNull(eleventh.Headers.RetryAfter?.Delta);
            }

            // The same address with a user id is that user, not the address.
            streams.Add(await OpenAdmittedAsync(app, User("alice"), client));
            Assert.Equal(11, app.Gate.Active);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }

        await Eventually.TrueAsync(() => app.Gate.Active == 0, "every stream released its slot");
    }

    [Fact]
    public async Task Connecting_faster_than_the_rate_limit_gets_429_before_any_stream_work_and_other_clients_are_unaffected()
    {
        await using var app = SseRxApp.Start(RateLimited(permits: 3, window: "00:01:00"), kestrel: true);
        var client = app.NewClient();
        for (var i = 0; i < 3; i++)
        {
            await using var admitted = await OpenAdmittedAsync(app, headers: null, client);
        }

        await Eventually.TrueAsync(() => app.Gate.Active == 0, "the admitted streams ended");
        using (var refused = await client.GetAsync("/api/v2/stream"))
        {
            var problem = await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
            Assert.Equal("Too many connection attempts", problem.GetProperty("title").GetString());
            var retryAfter = refused.Headers.RetryAfter?.Delta;
            Assert.True(retryAfter is { } delta && delta >= TimeSpan.FromSeconds(1) && delta <= TimeSpan.FromMinutes(1), $"Retry-After {retryAfter}");
        }

        // The configuration stream shares the limit, and the limit answers before identity is even checked.
        using (var configuration = await client.GetAsync("/api/v2/configurations/abc/stream"))
        {
            await AssertProblemAsync(configuration, HttpStatusCode.TooManyRequests);
        }

        Assert.Equal(0, app.Gate.Active);
        Assert.Equal(0, app.Runtime.Journal.ReaderCount);

        // Only the stream endpoints are limited, and only for this client.
        using (var metrics = await client.GetAsync("/api/v2/metrics"))
        {
            Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        }

        await using var bob = await OpenAdmittedAsync(app, User("bob"), client);
    }

    [Fact]
    public async Task A_rate_limited_client_is_admitted_again_once_its_window_has_passed()
    {
        await using var app = SseRxApp.Start(RateLimited(permits: 1, window: "00:00:01"), kestrel: true);
        var client = app.NewClient();
        await using (await OpenAdmittedAsync(app, headers: null, client))
        {
        }

        using (var refused = await client.GetAsync("/api/v2/stream", HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(1), refused.Headers.RetryAfter?.Delta);
        }

        await Eventually.TrueAsync(
            async () =>
            {
                await using var stream = await app.OpenStreamAsync(client: client);
                return stream.Response.StatusCode == HttpStatusCode.OK;
            },
            "the next window admitted the client again",
            TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_refusal_to_a_configured_origin_carries_cors_headers_so_the_page_can_read_retry_after()
    {
        const string Dashboard = "https://dashboard.example.com";
        var settings = RateLimited(permits: 1, window: "00:01:00");
        settings["Cors:AllowedOrigins:0"] = Dashboard;
        await using var app = SseRxApp.Start(settings, kestrel: true);
        var client = app.NewClient();
        var origin = new Dictionary<string, string> { ["Origin"] = Dashboard };
        await using (await OpenAdmittedAsync(app, origin, client))
        {
        }

        using var refused = await GetAsync(client, origin);

        await AssertProblemAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Equal(Dashboard, Assert.Single(refused.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains(
            "Retry-After",
            string.Join(",", refused.Headers.GetValues("Access-Control-Expose-Headers")),
            StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Preflights_are_not_counted_against_the_rate_limit()
    {
        const string Dashboard = "https://dashboard.example.com";
        var settings = RateLimited(permits: 1, window: "00:01:00");
        settings["Cors:AllowedOrigins:0"] = Dashboard;
        await using var app = SseRxApp.Start(settings, kestrel: true);
        var client = app.NewClient();

        for (var i = 0; i < 5; i++)
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v2/stream");
            preflight.Headers.Add("Origin", Dashboard);
            preflight.Headers.Add("Access-Control-Request-Method", "GET");
            using var response = await client.SendAsync(preflight);
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await using var stream = await OpenAdmittedAsync(app, headers: null, client);
    }

    [Theory]
    [InlineData("RateLimit:PermitsPerWindow", "0", "SseRx:RateLimit:PermitsPerWindow")]
    [InlineData("RateLimit:Window", "00:00:00", "SseRx:RateLimit:Window")]
    [InlineData("RateLimit:Window", "02:00:00", "SseRx:RateLimit:Window")]
    public void A_bad_rate_limit_setting_stops_start_up_naming_the_setting(string key, string value, string named)
    {
        var error = StartupValidation.Error(
            new Dictionary<string, string?> { [$"SseRx:{key}"] = value }, static (services, configuration) => services.AddSseRxRateLimiting(configuration));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_empty_per_client_setting_turns_the_cap_off()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["MaxConnectionsPerClient"] = string.Empty });

        Assert.Null(app.Services.GetRequiredService<IOptions<SseRxHostOptions>>().Value.MaxConnectionsPerClient);
    }

    private static Dictionary<string, string?> RateLimited(int permits, string window) => new()
    {
        ["RateLimit:Enabled"] = "true",
        ["RateLimit:PermitsPerWindow"] = permits.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["RateLimit:Window"] = window,
        ["HeartbeatInterval"] = QuietHeartbeat,
    };

    private static Dictionary<string, string> User(string id) => new() { ["X-User-ID"] = id };

    /// <summary>A stream request whose response is read whole: for refusals, which end at once.</summary>
    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, IReadOnlyDictionary<string, string>? headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/stream");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await client.SendAsync(request).WaitAsync(SseRxApp.Deadline);
    }

    /// <summary>Opens a stream and waits for its first event, so it is surely admitted and counted.</summary>
    private static async Task<SseStream> OpenAdmittedAsync(SseRxApp app, IReadOnlyDictionary<string, string>? headers, HttpClient? client = null)
    {
        var stream = await app.OpenStreamAsync(headers: headers, client: client);
        Assert.True(stream.Response.StatusCode == HttpStatusCode.OK, $"status {(int)stream.Response.StatusCode}");
        await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
        return stream;
    }
}
