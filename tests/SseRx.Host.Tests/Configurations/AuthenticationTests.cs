using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Auth;
using SseRx.Host.Tests.Infrastructure;
using static SseRx.Host.Tests.Configurations.ConfigurationApi;

namespace SseRx.Host.Tests.Configurations;

public sealed class AuthenticationTests : IClassFixture<AuthenticationTests.Fixture>
{
    private readonly ConfigurationApi _trusting;
    private readonly ConfigurationApi _defaults;

    public AuthenticationTests(Fixture fixture)
    {
        _trusting = fixture.Trusting;
        _defaults = fixture.Defaults;
    }

    [Fact]
    public async Task A_valid_jwt_identifies_the_caller_by_its_sub_claim()
    {
        var user = NewUser();
        using var created = await _defaults.SendAsync(WithBearer(Request(HttpMethod.Post, Route, user: null, Body("Tech", "AAPL")), MintToken(user)));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(user, (await ReadJsonAsync(created)).GetProperty("owner_id").GetString());
    }

    [Fact]
    public async Task The_jwt_identity_and_a_trusted_header_with_the_same_id_are_the_same_owner()
    {
        var user = NewUser();
        var config = await _trusting.CreateAsync(user, "Tech", "AAPL");

        using var viaToken = await _trusting.SendAsync(
            WithBearer(Request(HttpMethod.Get, $"{Route}/{config.GetProperty("id").GetString()}", user: null), MintToken(user)));

        Assert.Equal(HttpStatusCode.OK, viaToken.StatusCode);
    }

    public static TheoryData<string, string> RejectedTokens => new()
    {
        { "expired", MintToken("someone", expires: DateTime.UtcNow.AddMinutes(-5)) },
        { "wrong issuer", MintToken("someone", issuer: "https://evil.example") },
        { "wrong audience", MintToken("someone", audience: "another-api") },
        { "bad signature", MintToken("someone", signingKey: "a-different-key-that-is-also-long-enough-0123") },
        { "no subject", MintToken(subject: null) },
        { "unsigned", UnsignedToken("someone") },
        { "garbage", "not.a.jwt" },
    };

    [Theory]
    [MemberData(nameof(RejectedTokens))]
    public async Task A_bearer_token_that_fails_validation_is_401_even_with_a_trusted_header(string why, string token)
    {
        var before = _trusting.Store.Count;

        // The header alone would be accepted here; a rejected credential must not fall back to it.
        using var response = await _trusting.SendAsync(WithBearer(Request(HttpMethod.Post, Route, NewUser(), Body("Tech", "AAPL")), token));

        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{why}: got {(int)response.StatusCode}");
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(before, _trusting.Store.Count);
    }

    [Fact]
    public async Task Another_authorization_scheme_is_401_not_ignored()
    {
        var request = Request(HttpMethod.Get, Route, NewUser());
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");

        using var response = await _trusting.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task X_User_ID_is_ignored_by_default()
    {
        var before = _defaults.Store.Count;

        using var list = await _defaults.SendAsync(HttpMethod.Get, Route, NewUser());
        using var create = await _defaults.SendAsync(HttpMethod.Post, Route, NewUser(), Body("Tech", "AAPL"));

        await AssertProblemAsync(list, HttpStatusCode.Unauthorized);
        await AssertProblemAsync(create, HttpStatusCode.Unauthorized);
        Assert.Equal(before, _defaults.Store.Count);
    }

    [Fact]
    public async Task X_User_ID_is_ignored_when_explicitly_not_trusted()
    {
        using var api = With(new Dictionary<string, string?> { ["SseRx:Auth:TrustUserIdHeader"] = "false" });

        using var response = await api.SendAsync(HttpMethod.Get, Route, NewUser());

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task With_no_jwt_settings_every_bearer_token_is_rejected()
    {
        using var api = With(new Dictionary<string, string?>());

        using var response = await api.SendAsync(WithBearer(Request(HttpMethod.Get, Route, user: null), MintToken("someone")));

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("alice")]
    [InlineData("a")]
    [InlineData("user.name_1@example.com")]
    [InlineData("tenant:42-x")]
    public async Task A_trusted_header_with_an_acceptable_id_identifies_the_caller(string user)
    {
        using var response = await _trusting.SendAsync(HttpMethod.Get, Route, user);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("quote\"")]
    [InlineData("ünïcode")]
    [InlineData("comma,separated")]
    public async Task A_trusted_header_with_an_unacceptable_id_is_no_identity(string user)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Route);
        request.Headers.TryAddWithoutValidation("X-User-ID", user);

        using var response = await _trusting.SendAsync(request);

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_trusted_header_longer_than_128_characters_or_repeated_is_no_identity()
    {
        using var exactly128 = await _trusting.SendAsync(HttpMethod.Get, Route, new string('a', 128));
        Assert.Equal(HttpStatusCode.OK, exactly128.StatusCode);

        using var tooLong = await _trusting.SendAsync(HttpMethod.Get, Route, new string('a', 129));
        await AssertProblemAsync(tooLong, HttpStatusCode.Unauthorized);

        var twice = new HttpRequestMessage(HttpMethod.Get, Route);
        twice.Headers.Add("X-User-ID", ["alice", "bob"]);
        using var repeated = await _trusting.SendAsync(twice);
        await AssertProblemAsync(repeated, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("too-short", Issuer, Audience, null, "SseRx:Auth:Jwt:SigningKey must be at least 32 bytes")]
    [InlineData(SigningKey, null, Audience, null, "SseRx:Auth:Jwt:Issuer is required")]
    [InlineData(SigningKey, Issuer, null, null, "SseRx:Auth:Jwt:Audience is required")]
    [InlineData(null, null, null, "https://login.example", "SseRx:Auth:Jwt:Audience is required")]
    [InlineData(null, null, Audience, "http://login.example", "SseRx:Auth:Jwt:Authority must be an absolute https URL")]
    [InlineData(null, null, Audience, "not a url", "SseRx:Auth:Jwt:Authority must be an absolute https URL")]
    [InlineData(SigningKey, Issuer, Audience, "https://login.example", "Set only one of")]
    public void Unusable_auth_settings_fail_start_up_validation_with_a_clear_message(
        string? signingKey, string? issuer, string? audience, string? authority, string expected)
    {
        var error = StartupValidation.Error(
            new Dictionary<string, string?>
            {
                ["SseRx:Auth:Jwt:SigningKey"] = signingKey,
                ["SseRx:Auth:Jwt:Issuer"] = issuer,
                ["SseRx:Auth:Jwt:Audience"] = audience,
                ["SseRx:Auth:Jwt:Authority"] = authority,
            },
            RegisterAuthentication);

        Assert.Contains(error.Failures, f => f.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(SigningKey, Issuer, Audience, null)]
    [InlineData(null, null, Audience, "https://login.example")]
    [InlineData(null, null, Audience, "http://127.0.0.1:8080/realms/test")]
    [InlineData(null, null, null, null)]
    public void Usable_auth_settings_pass_start_up_validation(string? signingKey, string? issuer, string? audience, string? authority)
    {
        StartupValidation.Run(
            new Dictionary<string, string?>
            {
                ["SseRx:Auth:TrustUserIdHeader"] = "true",
                ["SseRx:Auth:Jwt:SigningKey"] = signingKey,
                ["SseRx:Auth:Jwt:Issuer"] = issuer,
                ["SseRx:Auth:Jwt:Audience"] = audience,
                ["SseRx:Auth:Jwt:Authority"] = authority,
            },
            RegisterAuthentication);
    }

    private static void RegisterAuthentication(IServiceCollection services, IConfiguration configuration) =>
        services.AddSseRxAuthentication(configuration);

    private static string UnsignedToken(string subject)
    {
        static string Segment(string json) => Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(json);
        var now = DateTimeOffset.UtcNow;
        return Segment("""{"alg":"none","typ":"JWT"}""") + "." +
            Segment($$"""{"sub":"{{subject}}","iss":"{{Issuer}}","aud":"{{Audience}}","nbf":{{now.AddMinutes(-1).ToUnixTimeSeconds()}},"exp":{{now.AddMinutes(10).ToUnixTimeSeconds()}}}""") + ".";
    }

    public sealed class Fixture : IDisposable
    {
        public ConfigurationApi Trusting { get; } = TrustingHeaderAndJwt();

        public ConfigurationApi Defaults { get; } = WithDefaultHeaderTrust();

        public void Dispose()
        {
            Trusting.Dispose();
            Defaults.Dispose();
        }
    }
}
