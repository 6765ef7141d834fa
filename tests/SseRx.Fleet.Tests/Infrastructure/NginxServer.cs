using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SseRx.Fleet.Tests.Infrastructure;

/// <summary>
/// Debian's nginx (installed by tests/run.sh when missing) as its own foreground process, with a configuration and TLS
/// files in a temporary prefix directory (where its logs and pid file go too). Disposing stops it and deletes the directory.
/// </summary>
internal sealed class NginxServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(15);
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    private NginxServer(string directory, int httpPort) => (Directory, HttpPort) = (directory, httpPort);

    /// <summary>The prefix directory: nginx.conf, fleet.crt, fleet.key, access.log, error.log.</summary>
    public string Directory { get; }

    /// <summary>The plain HTTP port nginx listens on (loopback).</summary>
    public int HttpPort { get; }

    /// <summary>What the nginx process printed (start-up errors).</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>The nginx executable, or a clear failure when it is not installed.</summary>
    public static string Executable =>
        new[] { "/usr/sbin/nginx", "/usr/bin/nginx" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("nginx is not installed. `bash tests/run.sh` installs Debian's nginx when missing (apt-get install nginx).");

    /// <summary>Writes <paramref name="configuration"/> and the TLS files into a new prefix directory and starts nginx.</summary>
    public static async Task<NginxServer> StartAsync(string configuration, int httpPort, (string Certificate, string Key) tls)
    {
        var directory = Path.Combine(Path.GetTempPath(), "sserx-nginx-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "nginx.conf"), configuration);
        await File.WriteAllTextAsync(Path.Combine(directory, "fleet.crt"), tls.Certificate);
        await File.WriteAllTextAsync(Path.Combine(directory, "fleet.key"), tls.Key);
        var server = new NginxServer(directory, httpPort);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>The access log so far (one line per finished request).</summary>
    public string[] AccessLog() => ReadLines("access.log");

    /// <summary>The error log so far.</summary>
    public string[] ErrorLog() => ReadLines("error.log");

    /// <summary>Fast shutdown (SIGTERM): every client connection is closed at once, then the process exits.</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        _process = null;
        if (!process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) } });
            await kill!.WaitForExitAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
        }

        process.Dispose();
    }

    /// <summary>Stops nginx (closing every client connection) and starts it again with the same configuration.</summary>
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
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is harmless.
        }
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(Executable)
        {
            ArgumentList = { "-p", Directory + "/", "-c", Path.Combine(Directory, "nginx.conf"), "-g", "daemon off;" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start nginx.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nginx exited with code {process.ExitCode}: {Output}\n{string.Join('\n', ErrorLog())}");
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, HttpPort));
                return;
            }
            catch (SocketException) when (deadline.Elapsed < StartTimeout)
            {
                await Task.Delay(20);
            }
        }
    }

    private string[] ReadLines(string name)
    {
        var path = Path.Combine(Directory, name);
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }
}
