using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SseRx.Aot.Tests;

/// <summary>
/// The host's Native AOT binary as its own process: started from a working directory of its own (not the publish
/// folder, so the content root must not depend on it), in Production, on a free loopback port.
/// </summary>
public sealed partial class NativeHost : IAsyncDisposable
{
    /// <summary>How long a test waits for something that should happen at once.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);

    private static readonly Lazy<Task<string>> Binary = new(FindOrPublishAsync);

    private readonly Process _process;
    private readonly string _workingDirectory;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NativeHost(Process process, string workingDirectory)
    {
        _process = process;
        _workingDirectory = workingDirectory;
    }

    /// <summary>Where the host listens, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The directory the binary was published to.</summary>
    public string PublishDirectory { get; private set; } = string.Empty;

    /// <summary>Every line the process wrote so far (stdout and stderr).</summary>
    public IReadOnlyList<string> Lines => [.. _output];

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the binary with <paramref name="environment"/> added, and returns once it listens.</summary>
    public static async Task<NativeHost> StartAsync(IReadOnlyDictionary<string, string> environment)
    {
        var binary = await Binary.Value;
        var workingDirectory = Directory.CreateTempSubdirectory("sserx-aot-").FullName;
        var start = new ProcessStartInfo(binary)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var host = new NativeHost(new Process { StartInfo = start, EnableRaisingEvents = true }, workingDirectory)
        {
            PublishDirectory = Path.GetDirectoryName(binary)!,
        };
        host._process.OutputDataReceived += (_, line) => host.OnOutput(line.Data);
        host._process.ErrorDataReceived += (_, line) => host.OnOutput(line.Data);
        host._process.Exited += (_, _) => host._listening.TrySetException(new InvalidOperationException("The host exited during start-up."));
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        try
        {
            host.BaseAddress = await host._listening.Task.WaitAsync(Deadline);
            return host;
        }
        catch (Exception error)
        {
            var output = string.Join('\n', host.Lines);
            await host.DisposeAsync();
            throw new InvalidOperationException($"The native host did not start: {error.Message}\n{output}", error);
        }
    }

    /// <summary>A client for the host.</summary>
    public HttpClient NewClient() => new() { BaseAddress = BaseAddress, Timeout = Deadline };

    /// <summary>Sends SIGTERM, as a container runtime or Lambda does, and waits for the exit; false at the deadline.</summary>
    public async Task<bool> StopAsync()
    {
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(CultureInfo.InvariantCulture) } })!)
        {
            await kill.WaitForExitAsync();
        }

        using var deadline = new CancellationTokenSource(Deadline);
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

        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "SseRx.sln")))
        {
            root = root.Parent;
        }

        if (root is null)
        {
            throw new InvalidOperationException("The repository root (SseRx.sln) was not found above " + AppContext.BaseDirectory);
        }

        var output = Path.Combine(root.FullName, "artifacts", "aot");
        var publish = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { "publish", Path.Combine(root.FullName, "src", "SseRx.Host"), "-c", "Release", "-r", "linux-x64", "-o", output, "--nologo" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(publish)!;
        var log = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}):\n{await log}\n{await errors}");
        }

        return Path.Combine(output, "SseRx.Host");
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
            _listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
