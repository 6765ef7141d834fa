using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SseRx.Host.Configurations;

namespace SseRx.Host.Tests.Configurations;

/// <summary>
/// The real host on a TestServer with the settings a test asks for, plus helpers to call the configuration API
/// as a given user. Always the Production environment, so error bodies are what production sends.
/// </summary>
public sealed class ConfigurationApi : IDisposable
{
    public const string Issuer = "https://issuer.sserx.test";
    public const string Audience = "sserx-api";
    public const string SigningKey = "test-signing-key-0123456789-abcdefghijklmnop";
    public const string Route = "/api/v2/configurations";

    private readonly WebApplicationFactory<Program> _factory;

    private ConfigurationApi(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        _factory = new WebApplicationFactory<Program>().WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Production");
            // This fixture exercises configurations and identity only: keep the simulator quiet.
            builder.UseSetting("SseRx:Simulator:Enabled", "false");
            builder.UseSetting("SseRx:Store", "memory");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        });
        Client = _factory.CreateClient();
    }

    public HttpClient Client { get; }

    public InMemoryConfigurationStore Store => (InMemoryConfigurationStore)_factory.Services.GetRequiredService<IConfigurationStore>();

    private static readonly Dictionary<string, string?> TrustingSettings = new()
    {
        ["SseRx:Auth:TrustUserIdHeader"] = "true",
        ["SseRx:Auth:Jwt:Issuer"] = Issuer,
        ["SseRx:Auth:Jwt:Audience"] = Audience,
        ["SseRx:Auth:Jwt:SigningKey"] = SigningKey,
    };

    /// <summary>X-User-ID trusted, and JWTs from <see cref="Issuer"/> for <see cref="Audience"/> signed with <see cref="SigningKey"/>.</summary>
    public static ConfigurationApi TrustingHeaderAndJwt() => new(TrustingSettings);

    /// <summary>Like <see cref="TrustingHeaderAndJwt"/>, counting the request-body bytes the app reads in <paramref name="counter"/>.</summary>
    public static ConfigurationApi TrustingHeaderCountingBodyReads(BodyReadCounter counter) =>
        new(TrustingSettings, services => services.AddSingleton<IStartupFilter>(new CountingStartupFilter(counter)));

    /// <summary>Like <see cref="TrustingHeaderAndJwt"/>, with a store whose every call throws.</summary>
    public static ConfigurationApi WithThrowingStore() =>
        new(TrustingSettings, services => services.AddSingleton<IConfigurationStore>(new ThrowingStore()));

    /// <summary>The production defaults for the header (not set at all), with JWTs configured.</summary>
    public static ConfigurationApi WithDefaultHeaderTrust() => new(new Dictionary<string, string?>
    {
        ["SseRx:Auth:Jwt:Issuer"] = Issuer,
        ["SseRx:Auth:Jwt:Audience"] = Audience,
        ["SseRx:Auth:Jwt:SigningKey"] = SigningKey,
    });

    public static ConfigurationApi With(IReadOnlyDictionary<string, string?> settings) => new(settings);

    public static string NewUser() => "user-" + Guid.NewGuid().ToString("N");

    public static string MintToken(
        string? subject,
        string issuer = Issuer,
        string audience = Audience,
        string signingKey = SigningKey,
        DateTime? expires = null)
    {
        var now = DateTime.UtcNow;
        var expiry = expires ?? now.AddMinutes(10);
        var claims = new Dictionary<string, object>();
        if (subject is not null)
        {
            claims["sub"] = subject;
        }

        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = claims,
            IssuedAt = expiry.AddMinutes(-20),
            NotBefore = expiry.AddMinutes(-20),
            Expires = expiry,
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes(signingKey)), SecurityAlgorithms.HmacSha256),
        });
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? user, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Add("X-User-ID", user);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        return request;
    }

    public static HttpRequestMessage WithBearer(HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request) => Client.SendAsync(request);

    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? user, string? json = null) =>
        Client.SendAsync(Request(method, path, user, json));

    public async Task<JsonElement> CreateAsync(string user, string name, params string[] tickers)
    {
        using var response = await SendAsync(HttpMethod.Post, Route, user, Body(name, tickers));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await ReadJsonAsync(response);
    }

    public static string Body(string name, params string[] tickers) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["name"] = name, ["tickers"] = tickers });

    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Asserts <paramref name="response"/> is a problem-details response with <paramref name="status"/> that leaks
    /// nothing internal (no stack trace, exception or type name), and returns its body.
    /// </summary>
    public static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        AssertNothingInternal(text);
        using var document = JsonDocument.Parse(text);
        var body = document.RootElement.Clone();
        Assert.Equal((int)status, body.GetProperty("status").GetInt32());
        return body;
    }

    public static void AssertNothingInternal(string text)
    {
        foreach (var leak in new[] { "   at ", "Exception", "SseRx.", "System.", "Microsoft.", ".cs:line", "StackTrace" })
        {
            Assert.DoesNotContain(leak, text, StringComparison.Ordinal);
        }
    }

    /// <summary>The validation errors of a 400 response, asserting it names exactly <paramref name="fields"/>.</summary>
    public static async Task<Dictionary<string, string[]>> AssertValidationErrorsAsync(HttpResponseMessage response, params string[] fields)
    {
        var body = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        var errors = body.GetProperty("errors").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.EnumerateArray().Select(m => m.GetString()!).ToArray(), StringComparer.Ordinal);
        Assert.Equal(fields.Order(StringComparer.Ordinal), errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(errors.Values, messages => Assert.All(messages, m => Assert.False(string.IsNullOrWhiteSpace(m))));
        return errors;
    }

    public void Dispose()
    {
        Client.Dispose();
        _factory.Dispose();
    }

    /// <summary>Request-body bytes the app has read, across requests.</summary>
    public sealed class BodyReadCounter
    {
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Add(int count) => Interlocked.Add(ref _bytes, count);
    }

    // Wraps each request body in a stream that counts what the app pulls from it (the app's BodyReader then reads
    // through it), so a test can tell how much of a body was actually read.
    private sealed class CountingStartupFilter(BodyReadCounter counter) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(next => context =>
            {
                context.Request.Body = new CountingStream(context.Request.Body, counter);
                return next(context);
            });
            next(app);
        };
    }

    private sealed class CountingStream(Stream inner, BodyReadCounter counter) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Counted(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        private int Counted(int read)
        {
            counter.Add(read);
            return read;
        }
    }

    private sealed class ThrowingStore : IConfigurationStore
    {
        public Task<UserConfiguration?> GetAsync(string ownerId, string id, CancellationToken cancellationToken) => throw Boom();

        public Task<IReadOnlyList<UserConfiguration>> ListAsync(string ownerId, CancellationToken cancellationToken) => throw Boom();

        public Task<UserConfiguration> CreateAsync(string ownerId, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken) =>
            throw Boom();

        public Task<UserConfiguration?> UpdateAsync(string ownerId, string id, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken) =>
            throw Boom();

        public Task<bool> DeleteAsync(string ownerId, string id, CancellationToken cancellationToken) => throw Boom();

        public IObservable<UserConfiguration?> Watch(string ownerId, string id) => throw Boom();

        private static InvalidOperationException Boom() => new("store exploded");
    }
}
