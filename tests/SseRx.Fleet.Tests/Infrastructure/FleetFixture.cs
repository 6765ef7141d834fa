using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using SseRx.Host.DynamoDb;
using SseRx.DynamoDb.Tests.Infrastructure;
using SseRx.Host.Tests.Reliability;

namespace SseRx.Fleet.Tests.Infrastructure;

/// <summary>
/// A local fleet, as users run one behind a load balancer: dynalite (the shared store), three host processes with
/// <c>Role=stream</c> and one with <c>Role=api</c>, and Debian's nginx in front of them with the configuration shipped in
/// samples/SseRx.Fleet (ports and two timeouts substituted). Everything on loopback, on ports chosen at start; an
/// instance restarted by a test comes back on its own port, as nginx expects.
/// </summary>
public sealed class FleetFixture : IAsyncLifetime
{
    /// <summary>Stream instances.</summary>
    public const int StreamInstances = 3;

    /// <summary>The hosts' retry interval and its jitter: a client reconnects 1-2 s after its stream ends.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    /// <inheritdoc cref="RetryInterval"/>
    public static readonly TimeSpan RetryJitter = TimeSpan.FromSeconds(1);

    /// <summary>The hosts' heartbeat interval, below <see cref="ProxyReadTimeout"/>.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(1);

    /// <summary>nginx's read timeout in the tests (the shipped 75 s, shortened so that a test can outlast it).</summary>
    public static readonly TimeSpan ProxyReadTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The hosts' poll interval.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>Streams each instance admits: one instance alone can hold every client of the largest test.</summary>
    public const int MaxConnections = 400;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly HostProcess?[] _streams = new HostProcess?[StreamInstances];
    private int[] _streamPorts = [];
    private int _apiPort;

    public DynaliteServer Dynalite { get; private set; } = null!;

    public IAmazonDynamoDB Client { get; private set; } = null!;

    public DynamoDbStoreOptions Tables { get; private set; } = null!;

    internal HostProcess Api { get; private set; } = null!;

    internal NginxServer Nginx { get; private set; } = null!;

    /// <summary>The proxy over plain HTTP/1.1.</summary>
    public Uri ProxyHttp { get; private set; } = null!;

    /// <summary>The proxy over TLS with HTTP/2 (self-signed certificate for 127.0.0.1, made at start).</summary>
    public Uri ProxyHttps { get; private set; } = null!;

    /// <summary>Each stream instance's own address (bypassing nginx).</summary>
    public Uri Direct(int instance) => new($"http://127.0.0.1:{_streamPorts[instance]}");

    /// <summary>A stream instance's port, as nginx's upstream names it.</summary>
    public int StreamPort(int instance) => _streamPorts[instance];

    public async Task InitializeAsync()
    {
        Dynalite = await DynaliteServer.StartAsync();
        Client = Dynalite.CreateClient();
        Tables = new DynamoDbStoreOptions
        {
            ServiceUrl = Dynalite.ServiceUrl,
            ItemsTable = $"fleet-items-{Environment.ProcessId}",
            ConfigurationsTable = $"fleet-configs-{Environment.ProcessId}",
        };
        await DynamoDbTables.EnsureCreatedAsync(Client, Tables, allowCreate: true, System.Reactive.Concurrency.Scheduler.Default);

        _streamPorts = [.. Enumerable.Range(0, StreamInstances).Select(_ => FreePort())];
        _apiPort = FreePort();
        var starting = Enumerable.Range(0, StreamInstances).Select(StartStreamAsync).Append(StartApiAsync());
        await Task.WhenAll(starting);

        var httpPort = FreePort();
        var httpsPort = FreePort();
        Nginx = await NginxServer.StartAsync(Configuration(httpPort, httpsPort), httpPort, SelfSignedCertificate());
        ProxyHttp = new Uri($"http://127.0.0.1:{httpPort}");
        ProxyHttps = new Uri($"https://127.0.0.1:{httpsPort}");
    }

    public async Task DisposeAsync()
    {
        if (Nginx is not null)
        {
            await Nginx.DisposeAsync();
        }

        foreach (var host in _streams.Append(Api))
        {
            if (host is not null)
            {
                await host.DisposeAsync();
            }
        }

        Client?.Dispose();
        if (Dynalite is not null)
        {
            await Dynalite.DisposeAsync();
        }
    }

    /// <summary>Starts stream instance <paramref name="instance"/> on its port (again, after a test stopped it).</summary>
    public async Task StartStreamAsync(int instance)
    {
        _streams[instance] = await HostProcess.StartAsync(HostEnvironment(_streamPorts[instance], "stream"), StartTimeout);
    }

    /// <summary>Stops stream instance <paramref name="instance"/>: SIGTERM and wait for its exit, or SIGKILL.</summary>
    public async Task StopStreamAsync(int instance, bool kill)
    {
        var host = _streams[instance] ?? throw new InvalidOperationException($"Instance {instance} is not running.");
        _streams[instance] = null;
        if (!kill)
        {
            await host.SendSigtermAsync();
            Assert.True(await host.WaitForExitAsync(TimeSpan.FromSeconds(10)), $"instance {instance} did not exit within 10 s of SIGTERM\n{host.Output}");
            Assert.Equal(0, host.ExitCode);
        }

        await host.DisposeAsync();
    }

    /// <summary>
    /// Waits until nginx sends streams to instance <paramref name="instance"/> again, as a rolling deploy waits for a new
    /// instance to pass the load balancer's health check before it stops the next one. nginx's passive check keeps an
    /// instance that failed out of rotation for <c>fail_timeout</c>; a probe stream through nginx goes to the instance with
    /// the fewest streams (<c>least_conn</c>), which a restarted instance is as soon as nginx considers it again.
    /// Returns how long that took.
    /// </summary>
    public async Task<TimeSpan> WaitInRotationAsync(int instance)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = ProxyHttp, Timeout = TimeSpan.FromSeconds(10) };
        while (true)
        {
            await using (var probe = await SseRx.Host.Tests.Infrastructure.SseStream.OpenAsync(http, "/api/v2/stream"))
            {
                if (probe.Response.IsSuccessStatusCode)
                {
                    await probe.NextAsync();
                    if ((await HealthAsync(instance)).Connections > 0)
                    {
                        return clock.Elapsed;
                    }
                }
            }

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"nginx did not send a stream to instance {instance} within 30 s of its restart");
            await Task.Delay(200);
        }
    }

    /// <summary>Makes sure every stream instance runs (a test that failed half-way may have left one stopped).</summary>
    public async Task EnsureAllRunningAsync()
    {
        for (var i = 0; i < StreamInstances; i++)
        {
            if (_streams[i] is null)
            {
                await StartStreamAsync(i);
            }
        }
    }

    /// <summary>An instance's <c>GET /health</c>: its open streams and its poller's store reads so far.</summary>
    public async Task<(int Connections, long Fetches)> HealthAsync(int instance)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(Direct(instance), "/health")));
        var root = document.RootElement;
        return (root.GetProperty("connections").GetInt32(), root.GetProperty("poll").GetProperty("fetches").GetInt64());
    }

    /// <summary>A writer to the fleet's items table.</summary>
    public DynamoDbSentimentWriter Writer() => new(Client, Tables);

    /// <summary>The ids of the items in the table whose id starts with <paramref name="prefix"/>: what the clients are counted against.</summary>
    public async Task<IReadOnlyList<string>> StoredItemIdsAsync(string prefix)
    {
        var ids = new List<string>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await Client.ScanAsync(new ScanRequest
            {
                TableName = Tables.ItemsTable,
                ConsistentRead = true,
                ProjectionExpression = "item_id",
                FilterExpression = "begins_with(item_id, :prefix)",
                ExpressionAttributeValues = new() { [":prefix"] = new AttributeValue { S = prefix } },
                ExclusiveStartKey = start,
            });
            ids.AddRange(page.Items.Select(item => item["item_id"].S));
            start = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        return ids;
    }

    private Dictionary<string, string> HostEnvironment(int port, string role) => new()
    {
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
        ["Logging__LogLevel__SseRx.Host.Streaming"] = "Warning",
        ["SseRx__Role"] = role,
        ["SseRx__Store"] = "dynamodb",
        ["SseRx__DynamoDb__ServiceUrl"] = Tables.ServiceUrl!,
        ["SseRx__DynamoDb__ItemsTable"] = Tables.ItemsTable,
        ["SseRx__DynamoDb__ConfigurationsTable"] = Tables.ConfigurationsTable,
        ["SseRx__DynamoDb__ClockSkew"] = "00:00:01",
        ["SseRx__PollInterval"] = Format(PollInterval),
        ["SseRx__HeartbeatInterval"] = Format(HeartbeatInterval),
        ["SseRx__RetryInterval"] = Format(RetryInterval),
        ["SseRx__RetryJitter"] = Format(RetryJitter),
        ["SseRx__MaxStreamLifetime"] = "00:00:20",
        ["SseRx__MaxStreamLifetimeJitter"] = "0.2",
        ["SseRx__MaxConnections"] = MaxConnections.ToString(CultureInfo.InvariantCulture),

        // Every test client connects from 127.0.0.1: the per-client protections would refuse them, which is not the point.
        ["SseRx__MaxConnectionsPerClient"] = string.Empty,
        ["SseRx__RateLimit__Enabled"] = "false",
    };

    private async Task StartApiAsync()
    {
        var environment = HostEnvironment(_apiPort, "api");
        environment["ASPNETCORE_CONTENTROOT"] = RepositoryPaths.HostContentRoot;
        Api = await HostProcess.StartAsync(environment, StartTimeout);
    }

    /// <summary>The shipped configuration with this fleet's ports and the test's read timeout; each replacement must match.</summary>
    private string Configuration(int httpPort, int httpsPort)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "fleet", "nginx.conf");
        var text = File.ReadAllText(path);
        string Replace(string text, string from, string to)
        {
            Assert.True(text.Contains(from, StringComparison.Ordinal), $"samples/SseRx.Fleet/nginx.conf no longer contains '{from}'");
            return text.Replace(from, to, StringComparison.Ordinal);
        }

        for (var i = 0; i < StreamInstances; i++)
        {
            text = Replace(text, $"server 127.0.0.1:{5081 + i} ", $"server 127.0.0.1:{_streamPorts[i]} ");
        }

        text = Replace(text, "server 127.0.0.1:5084;", $"server 127.0.0.1:{_apiPort};");
        text = Replace(text, "listen 127.0.0.1:8080;", $"listen 127.0.0.1:{httpPort};");
        text = Replace(text, "listen 127.0.0.1:8443 ssl http2;", $"listen 127.0.0.1:{httpsPort} ssl http2;");
        var timeout = $"{ProxyReadTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)}s;";
        text = Replace(text, "proxy_read_timeout 75s;", $"proxy_read_timeout {timeout}");
        text = Replace(text, "proxy_send_timeout 75s;", $"proxy_send_timeout {timeout}");
        return text;
    }

    /// <summary>A self-signed certificate for 127.0.0.1, valid for a day, as PEM (certificate, PKCS#8 key).</summary>
    private static (string Certificate, string Key) SelfSignedCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

[CollectionDefinition(Name)]
public sealed class FleetCollection : ICollectionFixture<FleetFixture>
{
    public const string Name = "fleet";
}
