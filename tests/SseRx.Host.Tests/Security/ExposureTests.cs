using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseRx.Host.Configurations;
using SseRx.Host.Dashboard;
using SseRx.Host.Tests.Infrastructure;
using static SseRx.Host.Tests.Configurations.ConfigurationApi;

namespace SseRx.Host.Tests.Security;

/// <summary>
/// What the host gives away: no stack traces or internal names in error responses outside Development, CORS only
/// for configured origins (preflights of the stream endpoints included), and the browser security headers.
/// </summary>
public sealed class ExposureTests
{
    private const string Secret = "SECRET-internal-detail";
    private const string Dashboard = "https://dashboard.example.com";

    private static readonly Dictionary<string, string?> TrustHeader = new() { ["Auth:TrustUserIdHeader"] = "true" };

    public static TheoryData<string, string, string> FailingRoutes => new()
    {
        { "Production", "GET", "/api/v2/configurations/abc/stream" },
        { "Production", "GET", "/api/v2/configurations" },
        { "Production", "POST", "/api/v2/configurations" },
        { "Staging", "GET", "/api/v2/configurations/abc/stream" },

        // Even Development answers with problem details (UseExceptionHandler), not the developer page.
        { "Development", "GET", "/api/v2/configurations/abc/stream" },
    };

    [Theory]
    [MemberData(nameof(FailingRoutes))]
    public async Task An_unhandled_exception_is_a_bare_500_problem_and_only_the_log_has_the_details(string environment, string method, string path)
    {
        var logs = new CollectingLoggerProvider();
        await using var app = SseRxApp.Start(
            TrustHeader,
            services: s => s.AddSingleton<IConfigurationStore>(new ExplodingStore()).AddSingleton<ILoggerProvider>(logs),
            environment: environment);

        using var response = await app.Client.SendAsync(Request(method, path));

        var body = await AssertProblemAsync(response, HttpStatusCode.InternalServerError);
        var text = body.GetRawText();
        Assert.DoesNotContain(Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("ExplodingStore", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InvalidOperation", text, StringComparison.Ordinal);

        // The route really threw: the operator sees it in the log.
        Assert.Contains(logs.Entries, e => e.StartsWith("Error", StringComparison.Ordinal) && e.Contains(nameof(InvalidOperationException), StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string?, HttpStatusCode> ErrorResponses => new()
    {
        { "GET", "/no/such/route", null, HttpStatusCode.NotFound },
        { "GET", "/api/v2/no-such-thing", null, HttpStatusCode.NotFound },
        { "POST", "/api/v2/stream", null, HttpStatusCode.MethodNotAllowed },
        { "DELETE", "/api/v2/metrics", null, HttpStatusCode.MethodNotAllowed },
        { "POST", "/api/v2/configurations", "text/plain", HttpStatusCode.UnsupportedMediaType },
        { "POST", "/api/v2/configurations", "application/json", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(ErrorResponses))]
    public async Task Error_responses_are_problem_details_that_name_nothing_internal(string method, string path, string? contentType, HttpStatusCode status)
    {
        await using var app = SseRxApp.Start(TrustHeader, kestrel: true, environment: "Production");
        using var request = Request(method, path);
        if (contentType is not null)
        {
            request.Content = new StringContent("{\"name\": [1, {\"nested\": ", Encoding.UTF8, contentType);
        }

        using var response = await app.Client.SendAsync(request);

        await AssertProblemAsync(response, status);
        Assert.False(response.Headers.Contains("Server"), "Kestrel's Server header names the server software");
        Assert.False(response.Headers.Contains("X-Powered-By"));
    }

    [Theory]
    [InlineData("/api/v2/stream")]
    [InlineData("/api/v2/configurations/abc/stream")]
    public async Task A_preflight_for_a_stream_from_a_configured_origin_allows_the_identity_and_resume_headers(string path)
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = Dashboard });

        using var response = await app.Client.SendAsync(Preflight(path, Dashboard, "authorization,x-user-id,last-event-id"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(Dashboard, Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        var headers = string.Join(",", response.Headers.GetValues("Access-Control-Allow-Headers"));
        foreach (var header in new[] { "authorization", "x-user-id", "last-event-id" })
        {
            Assert.Contains(header, headers, StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains("GET", string.Join(",", response.Headers.GetValues("Access-Control-Allow-Methods")), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"), "cookies are never needed, so never allowed");
    }

    [Theory]
    [InlineData("https://evil.example.com", "authorization")]
    [InlineData("https://dashboard.example.com.evil.example", "authorization")]
    [InlineData("http://dashboard.example.com", "authorization")]
    [InlineData("null", "authorization")]
    public async Task A_preflight_from_any_other_origin_is_not_allowed(string origin, string requestHeaders)
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = Dashboard });

        using var response = await app.Client.SendAsync(Preflight("/api/v2/configurations/abc/stream", origin, requestHeaders));

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_preflight_asking_for_a_header_outside_the_list_does_not_get_it()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = Dashboard });

        using var response = await app.Client.SendAsync(Preflight("/api/v2/stream", Dashboard, "x-evil"));

        var allowed = response.Headers.TryGetValues("Access-Control-Allow-Headers", out var values) ? string.Join(",", values) : string.Empty;
        Assert.DoesNotContain("x-evil", allowed, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/index.html")]
    [InlineData("/app.js")]
    [InlineData("/styles.css")]
    [InlineData("/config.js")]
    [InlineData("/api/v2/metrics")]
    [InlineData("/no/such/page")]
    public async Task Every_dashboard_response_carries_the_browser_security_headers(string path)
    {
        await using var app = SseRxApp.Start(environment: "Production");

        using var response = await app.Client.GetAsync(path);

        Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
        Assert.Equal("DENY", Single(response, "X-Frame-Options"));
        Assert.Equal("no-referrer", Single(response, "Referrer-Policy"));
        var policy = Single(response, "Content-Security-Policy");
        foreach (var directive in new[] { "default-src 'self'", "script-src 'self'", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'", "form-action 'self'" })
        {
            Assert.Contains(directive, policy, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", policy, StringComparison.Ordinal);
        var permissions = Single(response, "Permissions-Policy");
        Assert.Equal(SecurityHeaders.PermissionsPolicy, permissions);
        foreach (var feature in new[] { "camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()" })
        {
            Assert.Contains(feature, permissions, StringComparison.Ordinal);
        }
    }

    private static HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("X-User-ID", "alice");
        if (method == "POST")
        {
            request.Content = new StringContent("{\"name\":\"n\",\"tickers\":[\"AAPL\"]}", Encoding.UTF8, "application/json");
        }

        return request;
    }

    private static HttpRequestMessage Preflight(string path, string origin, string requestHeaders)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", requestHeaders);
        return request;
    }

    private static string Single(HttpResponseMessage response, string header) =>
        Assert.Single(response.Headers.TryGetValues(header, out var values) ? values : response.Content.Headers.GetValues(header));

    /// <summary>A store whose every call fails with a message and type that must never reach a client.</summary>
    private sealed class ExplodingStore : IConfigurationStore
    {
        public Task<UserConfiguration?> GetAsync(string ownerId, string id, CancellationToken cancellationToken) => throw Boom();

        public Task<IReadOnlyList<UserConfiguration>> ListAsync(string ownerId, CancellationToken cancellationToken) => throw Boom();

        public Task<UserConfiguration> CreateAsync(string ownerId, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken) => throw Boom();

        public Task<UserConfiguration?> UpdateAsync(string ownerId, string id, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken) => throw Boom();

        public Task<bool> DeleteAsync(string ownerId, string id, CancellationToken cancellationToken) => throw Boom();

        public IObservable<UserConfiguration?> Watch(string ownerId, string id) => throw Boom();

        private static InvalidOperationException Boom() =>
            new($"{Secret}: table sserx-configurations at 10.0.3.7 refused the SseRx.Host.Configurations query");
    }
}
