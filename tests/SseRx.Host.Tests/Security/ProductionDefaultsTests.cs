using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SseRx.Host.Configurations;
using SseRx.Host.Auth;
using SseRx.Host.Hosting;
using SseRx.Host.Tests.Infrastructure;
using static SseRx.Host.Tests.Configurations.ConfigurationApi;

namespace SseRx.Host.Tests.Security;

/// <summary>
/// The host started in Production with no settings at all (only the shipped appsettings.json) is safe as it is:
/// X-User-ID is not trusted, no JWT issuer is trusted so owner-scoped calls need a configured one, no origin may call
/// cross-origin, and the abuse limits are on.
/// </summary>
public sealed class ProductionDefaultsTests : IClassFixture<ProductionDefaultsTests.BareProductionHost>
{
    private const string Route = "/api/v2/configurations";
    private readonly BareProductionHost _host;

    public ProductionDefaultsTests(BareProductionHost host) => _host = host;

    [Fact]
    public void The_resolved_settings_are_the_safe_ones()
    {
        var services = _host.Services;
        var auth = services.GetRequiredService<IOptions<SseRxAuthOptions>>().Value;
        var host = services.GetRequiredService<IOptions<SseRxHostOptions>>().Value;
        var rate = services.GetRequiredService<IOptions<RateLimitOptions>>().Value;

        Assert.False(auth.TrustUserIdHeader);
        Assert.Null(auth.Jwt.SigningKey);
        Assert.Null(auth.Jwt.Authority);
        Assert.Empty(host.Cors.AllowedOrigins);
        Assert.Equal(10, host.MaxConnectionsPerClient);
        Assert.Equal(100, host.MaxConnections);
        Assert.True(rate.Enabled);
        Assert.Equal(20, rate.PermitsPerWindow);
        Assert.Equal(TimeSpan.FromSeconds(10), rate.Window);
    }

    [Theory]
    [InlineData("GET", Route)]
    [InlineData("POST", Route)]
    [InlineData("GET", Route + "/abc/stream")]
    public async Task X_User_ID_is_not_an_identity(string method, string path)
    {
        var before = (await Store().ListAsync("alice", CancellationToken.None)).Count;

        using var response = await _host.Client.SendAsync(Request(new HttpMethod(method), path, "alice", method == "POST" ? Body("Mine", "AAPL") : null));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(before, (await Store().ListAsync("alice", CancellationToken.None)).Count);
    }

    [Fact]
    public async Task A_bearer_token_is_rejected_until_an_issuer_is_configured()
    {
        // Well-formed and signed, but nothing trusts its issuer or key yet.
        using var response = await _host.Client.SendAsync(WithBearer(Request(HttpMethod.Get, Route, user: null), MintToken("alice")));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task No_origin_gets_cors_headers()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/metrics");
        request.Headers.Add("Origin", "https://dashboard.example.com");
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v2/stream");
        preflight.Headers.Add("Origin", "https://dashboard.example.com");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");

        using var response = await _host.Client.SendAsync(request);
        using var preflightResponse = await _host.Client.SendAsync(preflight);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflightResponse.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task The_public_endpoints_still_work_anonymously()
    {
        using var metrics = await _host.Client.GetAsync("/api/v2/metrics");
        using var page = await _host.Client.GetAsync("/");
        await using var stream = await SseStream.OpenAsync(_host.Client, "/api/v2/stream");

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
    }

    [Fact]
    public async Task On_a_real_socket_the_shipped_limits_hold_one_address_to_ten_streams_and_rate_limit_a_connect_loop()
    {
        // Only the test fixture's own relaxations are removed; every other value is the shipped one.
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?> { ["MaxConnectionsPerClient"] = null, ["RateLimit:Enabled"] = null, ["HeartbeatInterval"] = "01:00:00" },
            kestrel: true,
            environment: "Production");
        var client = app.NewClient();
        var open = new List<SseStream>();
        try
        {
            for (var i = 0; i < 10; i++)
            {
                open.Add(await app.OpenStreamAsync(client: client));
                Assert.Equal(HttpStatusCode.OK, open[^1].Response.StatusCode);
            }

            using var eleventh = await client.GetAsync("/api/v2/stream");
            await AssertProblemAsync(eleventh, HttpStatusCode.TooManyRequests);
        }
        finally
        {
            foreach (var stream in open)
            {
                await stream.DisposeAsync();
            }
        }

        // Keep connecting: within two windows' worth of attempts the rate limit must refuse one.
        await Eventually.TrueAsync(() => app.Gate.Active == 0, "the streams were released");
        string? refusal = null;
        for (var attempt = 0; attempt < 41 && refusal is null; attempt++)
        {
            using var response = await client.GetAsync("/api/v2/stream", HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                // A stream closed a moment ago may still hold its slot: only the rate limit's refusal counts here.
                var title = (await AssertProblemAsync(response, HttpStatusCode.TooManyRequests)).GetProperty("title").GetString();
                refusal = title == "Too many connection attempts" ? title : null;
            }
        }

        Assert.Equal("Too many connection attempts", refusal);
    }

    private IConfigurationStore Store() => _host.Services.GetRequiredService<IConfigurationStore>();

    /// <summary>The host exactly as shipped, in Production: no setting added by the test.</summary>
    public sealed class BareProductionHost : IDisposable
    {
        private readonly WebApplicationFactory<Program> _factory = new WebApplicationFactory<Program>()
            .WithWebHostBuilder(builder => builder.UseEnvironment("Production"));

        public BareProductionHost() => Client = _factory.CreateClient();

        public HttpClient Client { get; }

        public IServiceProvider Services => _factory.Services;

        public void Dispose()
        {
            Client.Dispose();
            _factory.Dispose();
        }
    }
}
