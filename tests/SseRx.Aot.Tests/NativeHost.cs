using System.Diagnostics;
using SseRx.Testing;

namespace SseRx.Aot.Tests;

/// <summary>
/// The host's Native AOT binary as its own process: started from a working directory of its own (not the publish
/// folder, so the content root must not depend on it), in Production, on a free loopback port.
/// </summary>
public sealed class NativeHost : IAsyncDisposable
{
    /// <summary>How long a test waits for something that should happen at once.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static readonly Lazy<Task<string>> Binary = new(FindOrPublishAsync);

    private readonly ListeningProcess _process;
    private readonly string _workingDirectory;

    private NativeHost(ListeningProcess process, string workingDirectory, string publishDirectory)
    {
        _process = process;
        _workingDirectory = workingDirectory;
        PublishDirectory = publishDirectory;
    }

    /// <summary>Where the host listens, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress => _process.BaseAddress;

    /// <summary>The directory the binary was published to.</summary>
    public string PublishDirectory { get; }

    /// <summary>Every line the process wrote so far (stdout and stderr).</summary>
    public IReadOnlyList<string> Lines => _process.Lines;

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the binary with <paramref name="environment"/> added, and returns once it listens.</summary>
    public static async Task<NativeHost> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var binary = await Binary.Value;
        var workingDirectory = Directory.CreateTempSubdirectory("sserx-aot-").FullName;
        var start = new ProcessStartInfo(binary) { WorkingDirectory = workingDirectory };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        try
        {
            var process = await ListeningProcess.StartAsync(start, "The native host", Deadline);
            return new NativeHost(process, workingDirectory, Path.GetDirectoryName(binary)!);
        }
        catch
        {
            Directory.Delete(workingDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>A client for the host.</summary>
    public HttpClient NewClient() => new() { BaseAddress = BaseAddress, Timeout = Deadline };

    /// <summary>Sends SIGTERM, as a container runtime or Lambda does, and waits for the exit; false at the deadline.</summary>
    public async Task<bool> StopAsync()
    {
        await _process.SendSigtermAsync();
        return await _process.WaitForExitAsync(Deadline);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        Directory.Delete(_workingDirectory, recursive: true);
    }

    /// <summary>
    /// <c>SSERX_AOT_HOST</c> (the binary tests/run.sh published), else publishes the host with Native AOT into
    /// <c>artifacts/aot</c> under the repository root.
    /// </summary>
    private static async Task<string> FindOrPublishAsync()
    {
        if (Environment.GetEnvironmentVariable("SSERX_AOT_HOST") is { Length: > 0 } given)
        {
            return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException("SSERX_AOT_HOST names no file.", given);
        }

        var output = Path.Combine(Repository.Root, "artifacts", "aot");
        await Repository.DotnetAsync(Repository.Root, "publish", Path.Combine("src", "SseRx.Host"), "-c", "Release", "-r", "linux-x64", "-o", output);
        return Path.Combine(output, "SseRx.Host");
    }
}
