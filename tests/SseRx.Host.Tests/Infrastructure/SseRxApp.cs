using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SseRx.Host.Hosting;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// The real host for one test: <see cref="Program"/> started through <see cref="WebApplicationFactory{TEntryPoint}"/>,
/// on TestServer by default or on Kestrel (a real loopback socket) when <c>kestrel</c> is set.
/// </summary>
/// <remarks>
/// Defaults suit tests: the simulator is off (tests add items to <see cref="Store"/> themselves), polls every 100 ms,
/// heartbeats every second, no per-client stream cap and no connection rate limit. Pass <c>settings</c> (keys relative to the <c>SseRx</c> section) to override.
/// </remarks>
public sealed class SseRxApp : IAsyncDisposable
{
    /// <summary>How long a test waits for something that should happen at once.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    private static readonly Dictionary<string, string?> Defaults = new()
    {
        ["Simulator:Enabled"] = "false",
        ["PollInterval"] = "00:00:00.100",
        ["HeartbeatInterval"] = "00:00:01",

        // Every Kestrel test connects from one loopback address: the abuse protections would refuse most tests'
        // connections. Tests of those protections (and of the production defaults) switch them back on.
        ["MaxConnectionsPerClient"] = string.Empty,
        ["RateLimit:Enabled"] = "false",
    };

    private readonly Factory _factory;
    private readonly bool _kestrel;
    private readonly List<HttpClient> _clients = [];
    private long _lastTimestamp;
    private int _sequence;

    private SseRxApp(Factory factory, bool kestrel)
    {
        _factory = factory;
        _kestrel = kestrel;
        if (kestrel)
        {
            // An explicit loopback endpoint on port 0, not UseKestrel(0): that overload rewrites the server's addresses
            // between building and starting the host, which races the minimal-hosting start and intermittently throws
            // "IServerAddressesFeature.Addresses cannot be modified after the server has started".
            factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            var address = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            BaseAddress = new Uri(address);
        }
        else
        {
            BaseAddress = new Uri("http://localhost");
        }

        Client = NewClient();
    }

    /// <summary>Where the app listens (a loopback port with Kestrel).</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client for the app; <see cref="NewClient"/> makes more.</summary>
    public HttpClient Client { get; }

    /// <summary>The app's services.</summary>
    public IServiceProvider Services => _factory.Services;

    /// <summary>The app's host, to stop it.</summary>
    public IHost Host => _factory.Host ?? throw new InvalidOperationException("The host has not been built.");

    /// <summary>The per-process runtime (journal, gate, feed).</summary>
    internal SseRxRuntime Runtime => Services.GetRequiredService<SseRxRuntime>();

    /// <summary>The admission gate every stream passes.</summary>
    public ConnectionGate Gate => Services.GetRequiredService<ConnectionGate>();

    /// <summary>The one clock behind every stream's heartbeat and lifetime.</summary>
    public StreamClock Clock => Services.GetRequiredService<StreamClock>();

    /// <summary>The in-memory store the feed polls (unless a test replaced the source).</summary>
    public InMemorySentimentStore Store => Services.GetRequiredService<InMemorySentimentStore>();

    /// <summary>Starts the app.</summary>
    /// <param name="settings">Settings relative to the <c>SseRx</c> section, e.g. <c>["MaxConnections"] = "5"</c>; a null value removes a default.</param>
    /// <param name="kestrel">Serve on a real loopback socket instead of TestServer.</param>
    /// <param name="services">Replaces services after the app's own registrations.</param>
    /// <param name="environment">The hosting environment; Development trusts X-User-ID.</param>
    public static SseRxApp Start(
        IReadOnlyDictionary<string, string?>? settings = null,
        bool kestrel = false,
        Action<IServiceCollection>? services = null,
        string environment = "Development")
    {
        var merged = new Dictionary<string, string?>(Defaults);
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            // Removed, not set to null: a null setting would bind as null rather than leave the option's default.
            if (value is null)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = value;
            }
        }

        return new SseRxApp(new Factory(merged, services, environment), kestrel);
    }

    /// <summary>
    /// A new client. With Kestrel it has its own connection pool, and disposing a response drops its socket at once
    /// (no draining), as a vanished browser would.
    /// Disposed with the app.
    /// </summary>
    public HttpClient NewClient()
    {
        var client = _kestrel
            ? new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = BaseAddress }
            : _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>Opens a stream (default: the global one) and checks nothing; see <see cref="SseStream"/>.</summary>
    public Task<SseStream> OpenStreamAsync(
        string path = "/api/v2/stream",
        string? lastEventId = null,
        IReadOnlyDictionary<string, string>? headers = null,
        HttpClient? client = null) =>
        SseStream.OpenAsync(client ?? Client, path, lastEventId, headers);

    /// <summary>
    /// Adds an item to <see cref="Store"/> with a strictly increasing timestamp and an increasing key, so items sort in
    /// the order they were added.
    /// </summary>
    public SentimentItem AddItem(string ticker = "AAPL", SentimentLabel sentiment = SentimentLabel.Positive, double score = 0.5, string? key = null)
    {
        var item = NewItem(ticker, sentiment, score, key);
        Store.Add(item);
        return item;
    }

    /// <summary>Makes an item as <see cref="AddItem"/> does, without storing it.</summary>
    public SentimentItem NewItem(string ticker = "AAPL", SentimentLabel sentiment = SentimentLabel.Positive, double score = 0.5, string? key = null)
    {
        long timestamp;
        long previous;
        do
        {
            previous = Interlocked.Read(ref _lastTimestamp);
            timestamp = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), previous + 1);
        }
        while (Interlocked.CompareExchange(ref _lastTimestamp, timestamp, previous) != previous);

        key ??= string.Create(CultureInfo.InvariantCulture, $"t{Interlocked.Increment(ref _sequence):D6}");
        return new SentimentItem(key, ticker, sentiment, score, DateTimeOffset.FromUnixTimeMilliseconds(timestamp));
    }

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        await _factory.DisposeAsync();
    }

    private sealed class Factory(
        IReadOnlyDictionary<string, string?> settings,
        Action<IServiceCollection>? services,
        string environment) : WebApplicationFactory<Program>
    {
        public IHost? Host { get; private set; }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(environment);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting($"{SseRxHostOptions.SectionName}:{key}", value);
            }

            if (services is not null)
            {
                builder.ConfigureTestServices(services);
            }
        }

        protected override IHost CreateHost(IHostBuilder builder)
        {
            Host = base.CreateHost(builder);
            return Host;
        }
    }
}
