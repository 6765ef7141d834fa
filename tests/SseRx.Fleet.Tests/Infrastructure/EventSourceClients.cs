using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SseRx.Fleet.Tests.Infrastructure;

/// <summary>
/// Many standard EventSource clients in one node process (<c>eventsource-clients.mjs</c>, the npm <c>eventsource</c>
/// package), asked for what each has seen with <see cref="ReportAsync"/>. Disposing closes them; the node process also
/// exits by itself after <c>maxLifetime</c>.
/// </summary>
internal sealed class EventSourceClients : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly SemaphoreSlim _asking = new(1, 1);
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<Report> _report = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    private EventSourceClients(Process process, int count) => (_process, Count) = (process, count);

    /// <summary>How many clients there are.</summary>
    public int Count { get; }

    /// <summary>Opens <paramref name="count"/> clients on <paramref name="url"/> at once; items are recorded when their id starts with <paramref name="prefix"/>.</summary>
    public static async Task<EventSourceClients> StartAsync(Uri url, int count, string prefix, TimeSpan maxLifetime)
    {
        var start = new ProcessStartInfo("node")
        {
            ArgumentList =
            {
                RepositoryPaths.ClientScript, "--url", url.ToString(), "--clients", count.ToString(CultureInfo.InvariantCulture),
                "--prefix", prefix, "--max-seconds", ((int)maxLifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var clients = new EventSourceClients(process, count);
        process.OutputDataReceived += (_, e) => clients.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                clients._errors.Enqueue(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await clients._started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            await clients.DisposeAsync();
            throw new InvalidOperationException($"The node clients did not start: {string.Join('\n', clients._errors)}");
        }

        return clients;
    }

    /// <summary>Everything each client has seen so far.</summary>
    public async Task<Report> ReportAsync()
    {
        await _asking.WaitAsync();
        try
        {
            _report = new TaskCompletionSource<Report>(TaskCreationOptions.RunContinuationsAsynchronously);
            await _process.StandardInput.WriteLineAsync("report");
            await _process.StandardInput.FlushAsync();
            return await _report.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            _asking.Release();
        }
    }

    /// <summary>Waits until every client is open (its last open after its last error); returns that report.</summary>
    public async Task<Report> WaitAllOpenAsync(TimeSpan timeout, string because)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var report = await ReportAsync();
            if (report.Clients.All(c => c.IsOpen))
            {
                return report;
            }

            Assert.True(
                deadline.Elapsed < timeout,
                $"Not every client was open within {timeout} ({because}): {report.Clients.Count(c => c.IsOpen)}/{Count} open; " +
                $"fatal errors {report.Clients.Sum(c => c.Errors.Count(e => e.Fatal))}; {string.Join('\n', _errors)}");
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until every client has received every id in <paramref name="ids"/>; returns that report.</summary>
    public async Task<Report> WaitForItemsAsync(IReadOnlyCollection<string> ids, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var report = await ReportAsync();
            var missing = report.Clients.Count(c => !ids.All(c.Items.ToHashSet(StringComparer.Ordinal).Contains));
            if (missing == 0 || deadline.Elapsed > timeout)
            {
                return report;
            }

            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                await _process.StandardInput.WriteLineAsync("close");
                await _process.StandardInput.FlushAsync();
                using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await _process.WaitForExitAsync(deadline.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _asking.Dispose();
    }

    private void OnLine(string? line)
    {
        if (string.IsNullOrEmpty(line) || line[0] != '{')
        {
            return;
        }

        using var document = JsonDocument.Parse(line);
        switch (document.RootElement.GetProperty("type").GetString())
        {
            case "started":
                _started.TrySetResult();
                break;
            case "report":
                _report.TrySetResult(document.RootElement.Deserialize<Report>(Json)!);
                break;
        }
    }

    /// <summary>What every client has seen; times are Unix milliseconds.</summary>
    internal sealed record Report(long At, IReadOnlyList<ClientRecord> Clients);

    /// <summary>
    /// One client's requests (connect and each reconnect, when sent), opens, errors, the <c>retry:</c> of each response,
    /// matching items (in arrival order, repeats kept), heartbeats and last id.
    /// </summary>
    internal sealed record ClientRecord(long[] Requests, long[] Opens, ErrorRecord[] Errors, int[] Retries, string[] Items, int Heartbeats, string LastEventId)
    {
        /// <summary>Open now: opened at least once, and not since failed.</summary>
        public bool IsOpen => Opens.Length > 0 && (Errors.Length == 0 || Opens[^1] >= Errors[^1].At) && !Errors.Any(e => e.Fatal);

        /// <summary>
        /// Each reconnect after <paramref name="since"/>: when the error happened and how long until the next open (null: not back).
        /// </summary>
        public IEnumerable<(long ErrorAt, long? BackAfter)> Reconnects(long since) =>
            Errors.Where(e => e.At >= since).Select(e =>
            {
                var next = Opens.Where(o => o >= e.At).Cast<long?>().FirstOrDefault();
                return (e.At, next - e.At);
            });

        /// <summary>Errors that were followed by another error before any open: a reconnect attempt that failed.</summary>
        public int FailedAttempts => Errors.Where((e, i) => i + 1 < Errors.Length && !Opens.Any(o => o >= e.At && o <= Errors[i + 1].At)).Count();
    }

    /// <summary>An error event: its time, the HTTP status when it was an answer, and whether the client gave up for good.</summary>
    internal sealed record ErrorRecord(long At, int? Code, bool Fatal);
}
