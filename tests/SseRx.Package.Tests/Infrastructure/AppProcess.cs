using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace SseRx.Package.Tests.Infrastructure;

/// <summary>
/// The packaged app as a process of its own (<c>dotnet SseRx.Package.App.dll</c>) on a free loopback port: Kestrel
/// picks it (<c>--urls http://127.0.0.1:0</c>) and logs it. Disposing kills the process.
/// </summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    /// <summary>How long a test waits for something that should happen at once, generous for a busy two-core machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AppProcess(Process process) => _process = process;

    /// <summary>A client for the app; streams have no overall timeout, each wait in a test has its own deadline.</summary>
    public HttpClient Client { get; private set; } = new();

    /// <summary>Everything the process wrote so far, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    internal static async Task<AppProcess> StartAsync(PackagedApp app, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(DotnetExecutable())
        {
            WorkingDirectory = app.ProjectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { app.AppAssembly, "--urls", "http://127.0.0.1:0" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";

        var process = new AppProcess(new Process { StartInfo = start, EnableRaisingEvents = true });
        process._process.OutputDataReceived += (_, line) => process.OnOutput(line.Data);
        process._process.ErrorDataReceived += (_, line) => process.OnOutput(line.Data);
        process._process.Exited += (_, _) => process._listening.TrySetException(new InvalidOperationException("The app exited during start-up."));
        process._process.Start();
        process._process.BeginOutputReadLine();
        process._process.BeginErrorReadLine();
        try
        {
            // A response disposed before its end closes the connection at once, instead of draining it for up to 2 s.
            var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
            process.Client = new HttpClient(handler) { BaseAddress = await process._listening.Task.WaitAsync(Deadline), Timeout = Timeout.InfiniteTimeSpan };
            return process;
        }
        catch (Exception error)
        {
            var output = process.Output;
            await process.DisposeAsync();
            throw new InvalidOperationException($"The app did not start: {error.Message}\n{output}", error);
        }
    }

    /// <summary>Opens an SSE stream on <paramref name="path"/>, resuming from <paramref name="lastEventId"/> if given.</summary>
    public Task<SseStream> OpenAsync(string path, string? lastEventId = null) => SseStream.OpenAsync(Client, path, lastEventId, Deadline);

    /// <summary>Adds a measurement through the app's API; returns its event id.</summary>
    public async Task<string> AddAsync(string sensor, double value)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        using var response = await Client.PostAsJsonAsync("/measurements", new { sensor, value }, deadline.Token);
        Assert.True(response.IsSuccessStatusCode, $"POST /measurements answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var created = await response.Content.ReadFromJsonAsync<Created>(deadline.Token);
        return created?.Id ?? throw new InvalidOperationException("POST /measurements returned no id.");
    }

    /// <summary>Waits until <paramref name="condition"/> holds, checking every 50 ms; fails at the deadline.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < Deadline, $"Not within {Deadline}: {what}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static string DotnetExecutable()
    {
        // The test host usually runs under the same muxer; otherwise rely on PATH.
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
            _listening.TrySetResult(new Uri(match.Groups[1].Value + "/"));
        }
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();

    private sealed record Created(string Id);
}
