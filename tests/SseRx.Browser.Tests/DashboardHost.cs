using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseRx.Host.Configurations;

namespace SseRx.Browser.Tests;

/// <summary>
/// The real SseRx host (its Program, DI, endpoints and wwwroot) on Kestrel at a loopback port, with the
/// simulator off so the test decides what is in the store.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private static readonly Dictionary<string, string?> Defaults = new()
    {
        ["SseRx:Simulator:Enabled"] = "false",
        ["SseRx:PollInterval"] = "00:00:00.200",
        ["SseRx:HeartbeatInterval"] = "00:00:02",

        // The configuration picker identifies the user with X-User-ID (the local/dev identity).
        ["SseRx:Auth:TrustUserIdHeader"] = "true",
    };

    private readonly Factory _factory;

    private DashboardHost(Factory factory, int port)
    {
        _factory = factory;
        Port = port;
        BaseAddress = $"http://127.0.0.1:{port}/";
    }

    public int Port { get; }

    /// <summary>The dashboard's URL.</summary>
    public string BaseAddress { get; }

    /// <summary>The host's in-memory store, from its DI container.</summary>
    public InMemorySentimentStore Store => _factory.Services.GetRequiredService<InMemorySentimentStore>();

    /// <summary>The streams the host has open now (its connection gate's count).</summary>
    public int OpenStreams => _factory.Services.GetRequiredService<ConnectionGate>().Active;

    /// <summary>The host's configuration store, from its DI container.</summary>
    public IConfigurationStore Configurations => _factory.Services.GetRequiredService<IConfigurationStore>();

    /// <summary>Starts a host on <paramref name="port"/> (0 = a free one) with the test defaults plus <paramref name="settings"/>.</summary>
    public static DashboardHost Start(int port = 0, params (string Key, string Value)[] settings)
    {
        if (port == 0)
        {
            port = FreePort();
        }

        var merged = new Dictionary<string, string?>(Defaults);
        foreach (var (key, value) in settings)
        {
            merged[key] = value;
        }

        var factory = new Factory(merged);
        try
        {
            factory.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
            factory.StartServer();
            return new DashboardHost(factory, port);
        }
        catch
        {
            factory.Dispose();
            throw;
        }
    }

    /// <summary>A loopback port nothing listens on (at the moment of the call).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>An item for <paramref name="ticker"/> ingested now.</summary>
    public static SentimentItem Item(string id, string ticker, double score)
    {
        var label = score > 0.2 ? SentimentLabel.Positive : score < -0.2 ? SentimentLabel.Negative : SentimentLabel.Neutral;
        return new SentimentItem(id, ticker, label, score, DateTimeOffset.UtcNow);
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private sealed class Factory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // Development is what `dotnet run` gives a newcomer; settings go in as host settings so that
            // Program sees them before it builds the app.
            builder.UseEnvironment("Development");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        }
    }
}
