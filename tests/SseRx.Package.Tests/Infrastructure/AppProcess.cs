using System.Diagnostics;
using System.Net.Http.Json;
using SseRx.Testing;

namespace SseRx.Package.Tests.Infrastructure;

/// <summary>
/// The packaged app as a process of its own (<c>dotnet SseRx.Package.App.dll</c>) on a free loopback port: Kestrel
/// picks it (<c>--urls http://127.0.0.1:0</c>) and logs it. Disposing kills the process.
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    /// <summary>How long a test waits for something that should happen at once, generous for a busy two-core machine.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private readonly ListeningProcess _process;

    private AppProcess(ListeningProcess process)
    {
        _process = process;
        // A response disposed before its end closes the connection at once, instead of draining it for up to 2 s.
        Client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 })
        {
            BaseAddress = process.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary>A client for the app; streams have no overall timeout, each wait in a test has its own deadline.</summary>
    public HttpClient Client { get; }

    /// <summary>Everything the process wrote so far, for failure messages.</summary>
    public string Output => _process.Output;

    internal static async Task<AppProcess> StartAsync(PackagedApp app, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(ListeningProcess.DotnetExecutable()) { WorkingDirectory = app.ProjectDirectory };
        foreach (var argument in new[] { app.AppAssembly, "--urls", "http://127.0.0.1:0" }.Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning";
        return new AppProcess(await ListeningProcess.StartAsync(start, "The app", Deadline));
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
        await _process.DisposeAsync();
    }

    private sealed record Created(string Id);
}
