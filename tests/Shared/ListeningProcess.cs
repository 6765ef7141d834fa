using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SseRx.Testing;

/// <summary>
/// An ASP.NET Core app started as a process of its own on a free loopback port (the caller's start info asks Kestrel
/// for port 0): its output is kept for failure messages, and start-up completes once Kestrel logs the address it
/// listens on. Disposing kills the process tree if it is still running. Linked into each test project that starts one
/// (the host's JIT build, its Native AOT binary, the app built on the packed package).
/// </summary>
internal sealed partial class ListeningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ListeningProcess(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
    }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>Where the app listens, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    /// <summary>The exit code, once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Every line the process wrote so far (stdout and stderr).</summary>
    public IReadOnlyList<string> Lines => [.. _output];

    /// <summary>Everything the process wrote so far, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <summary>
    /// The <c>dotnet</c> muxer the tests run under (to start an app's dll with the same runtime), else <c>dotnet</c>
    /// from the path.
    /// </summary>
    public static string DotnetExecutable()
    {
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    /// <summary>Starts the process and returns once it logs the address it listens on.</summary>
    /// <param name="start">What to run; output redirection is set here.</param>
    /// <param name="name">What the process is, for error messages ("the host").</param>
    /// <param name="timeout">How long start-up may take.</param>
    /// <exception cref="InvalidOperationException">It exited or did not listen in time; the message holds its output.</exception>
    public static async Task<ListeningProcess> StartAsync(ProcessStartInfo start, string name, TimeSpan timeout)
    {
        var started = new ListeningProcess(start);
        started._process.OutputDataReceived += (_, line) => started.OnOutput(line.Data);
        started._process.ErrorDataReceived += (_, line) => started.OnOutput(line.Data);
        started._process.Exited += (_, _) => started._listening.TrySetException(new InvalidOperationException($"{name} exited during start-up."));
        started._process.Start();
        started._process.BeginOutputReadLine();
        started._process.BeginErrorReadLine();
        try
        {
            started.BaseAddress = await started._listening.Task.WaitAsync(timeout);
            return started;
        }
        catch (Exception error)
        {
            var output = started.Output;
            await started.DisposeAsync();
            throw new InvalidOperationException($"{name} did not start: {error.Message}\n{output}", error);
        }
    }

    /// <summary>Sends SIGTERM, as a container runtime, systemd or Lambda does on stop (<see cref="Process.Kill()"/> is SIGKILL).</summary>
    /// <exception cref="InvalidOperationException"><c>kill</c> failed.</exception>
    public Task SendSigtermAsync() => SendSigtermAsync(_process.Id);

    /// <summary>Sends SIGTERM to <paramref name="processId"/>.</summary>
    /// <exception cref="InvalidOperationException"><c>kill</c> failed.</exception>
    public static async Task SendSigtermAsync(int processId)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { "-TERM", processId.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("Could not run kill.");
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -TERM {processId} exited with {kill.ExitCode}.");
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
