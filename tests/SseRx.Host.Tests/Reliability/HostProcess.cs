using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// The real host as its own process: <c>dotnet SseRx.Host.dll</c> from this test's build output, on a free loopback
/// port (Kestrel picks it: <c>ASPNETCORE_URLS=http://127.0.0.1:0</c>), in Production, with the given environment
/// settings. Disposing kills it if it is still running.
/// </summary>
internal sealed partial class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HostProcess(Process process) => _process = process;

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Where the host listens.</summary>
    public IPEndPoint Endpoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far (stdout and stderr), for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>Starts the host and returns once it logs the address it listens on.</summary>
    /// <param name="environment">Environment variables, e.g. <c>SseRx__MaxConnections</c>.</param>
    /// <param name="timeout">How long start-up may take.</param>
    public static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(DotnetExecutable())
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SseRx.Host.dll"));
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var host = new HostProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        host._process.OutputDataReceived += (_, line) => host.OnOutput(line.Data);
        host._process.ErrorDataReceived += (_, line) => host.OnOutput(line.Data);
        host._process.Exited += (_, _) => host._listening.TrySetException(new InvalidOperationException("The host exited during start-up."));
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        try
        {
            var address = await host._listening.Task.WaitAsync(timeout);
            host.Endpoint = new IPEndPoint(IPAddress.Parse(address.Host), address.Port);
            return host;
        }
        catch (Exception error)
        {
            var output = host.Output;
            await host.DisposeAsync();
            throw new InvalidOperationException($"The host did not start: {error.Message}\n{output}", error);
        }
    }

    /// <summary>Sends SIGTERM, as a container runtime or systemd does on stop (<see cref="Process.Kill()"/> is SIGKILL).</summary>
    public async Task SendSigtermAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { "-TERM", Id.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {Id} exited with {kill.ExitCode}.");
        }
    }

    /// <summary>Waits for the process to exit; false at the deadline.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string DotnetExecutable()
    {
        // The test host itself usually runs under the same muxer; else rely on PATH.
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
