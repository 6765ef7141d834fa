using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace SseRx.DynamoDb.Tests.Infrastructure;

/// <summary>
/// A real DynamoDB-compatible server (dynalite, from tests/node_modules) on a free loopback port, backed by a
/// temporary LevelDB directory so it can be stopped and restarted on the same port without losing its tables.
/// </summary>
public sealed class DynaliteServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _cliPath;
    private readonly string _dataPath;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private DynaliteServer(string cliPath, int port)
    {
        _cliPath = cliPath;
        Port = port;
        _dataPath = Path.Combine(Path.GetTempPath(), "sserx-dynalite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dataPath);
    }

    public int Port { get; }

    public string ServiceUrl => $"http://127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    public static async Task<DynaliteServer> StartAsync()
    {
        var server = new DynaliteServer(FindCli(), FreePort());
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>A client with fixed local credentials, no SDK retries (tests see every failure), and an optional request counter.</summary>
    public AmazonDynamoDBClient CreateClient(RequestCounter? counter = null)
    {
        var config = new AmazonDynamoDBConfig
        {
            ServiceURL = ServiceUrl,
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            RetryMode = RequestRetryMode.Standard,
            Timeout = TimeSpan.FromSeconds(10),
        };
        if (counter is not null)
        {
            config.HttpClientFactory = new CountingHttpClientFactory(counter);
        }

        return new AmazonDynamoDBClient(new BasicAWSCredentials("test", "test"), config);
    }

    /// <summary>Kills the server; the port stays reserved for <see cref="RestartAsync"/> only by convention.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_dataPath, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                _cliPath, "--host", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--path", _dataPath, "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        using var client = CreateClient();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"dynalite exited with code {process.ExitCode} on port {Port}: {Output()}");
            }

            try
            {
                await client.ListTablesAsync(new Amazon.DynamoDBv2.Model.ListTablesRequest());
                return;
            }
            catch (Exception e) when (e is HttpRequestException or AmazonServiceException or IOException or TaskCanceledException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    await StopAsync();
                    throw new InvalidOperationException($"dynalite did not answer ListTables within {StartTimeout} on port {Port}: {Output()}", e);
                }

                await Task.Delay(50);
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string FindCli()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "node_modules"), Path.Combine(dir.FullName, "tests", "node_modules") })
            {
                var cli = Path.Combine(candidate, "dynalite", "cli.js");
                if (File.Exists(cli))
                {
                    return cli;
                }
            }
        }

        throw new InvalidOperationException(
            "dynalite is not installed: tests/node_modules/dynalite/cli.js was not found above " + AppContext.BaseDirectory +
            ". Run `npm ci --prefix tests` in the repository root (it installs the version pinned in tests/package-lock.json).");
    }
}
