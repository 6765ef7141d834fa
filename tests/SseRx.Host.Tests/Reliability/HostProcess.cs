using System.Diagnostics;
using System.Net;
using SseRx.Testing;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// The real host as its own process: <c>dotnet SseRx.Host.dll</c> from this test's build output, on a free loopback
/// port (Kestrel picks it: <c>ASPNETCORE_URLS=http://127.0.0.1:0</c>), in Production, with the given environment
/// settings. Disposing kills it if it is still running.
/// </summary>
internal sealed class HostProcess : IAsyncDisposable
{
    private readonly ListeningProcess _process;

    private HostProcess(ListeningProcess process)
    {
        _process = process;
        Endpoint = new IPEndPoint(IPAddress.Parse(process.BaseAddress.Host), process.BaseAddress.Port);
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Where the host listens.</summary>
    public IPEndPoint Endpoint { get; }

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far (stdout and stderr), for failure messages.</summary>
    public string Output => _process.Output;

    /// <summary>Starts the host and returns once it logs the address it listens on.</summary>
    /// <param name="environment">Environment variables, e.g. <c>SseRx__MaxConnections</c>.</param>
    /// <param name="timeout">How long start-up may take.</param>
    public static async Task<HostProcess> StartAsync(IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(ListeningProcess.DotnetExecutable()) { WorkingDirectory = AppContext.BaseDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "SseRx.Host.dll"));
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return new HostProcess(await ListeningProcess.StartAsync(start, "The host", timeout));
    }

    /// <summary>Sends SIGTERM, as a container runtime or systemd does on stop (<see cref="Process.Kill()"/> is SIGKILL).</summary>
    public Task SendSigtermAsync() => _process.SendSigtermAsync();

    /// <summary>Waits for the process to exit; false at the deadline.</summary>
    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _process.WaitForExitAsync(timeout);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
