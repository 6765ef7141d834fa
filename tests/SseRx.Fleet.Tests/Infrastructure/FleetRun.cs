using System.Diagnostics;
using System.Globalization;

namespace SseRx.Fleet.Tests.Infrastructure;

/// <summary>
/// The common frame of the fleet scenarios: standard EventSource clients connected through nginx, items written to the
/// store while something happens to the fleet, then each client's items counted against the store, and what nginx's
/// access log says about the stream requests of the run.
/// </summary>
internal sealed class FleetRun : IAsyncDisposable
{
    private readonly FleetFixture _fleet;
    private readonly int _logStart;
    private readonly CancellationTokenSource _writing = new();
    private Task _writes = Task.CompletedTask;
    private ItemWriter? _writer;

    private FleetRun(FleetFixture fleet, EventSourceClients clients, string prefix, int logStart)
    {
        _fleet = fleet;
        Clients = clients;
        Prefix = prefix;
        _logStart = logStart;
    }

    public EventSourceClients Clients { get; }

    /// <summary>The item id prefix of this run's items.</summary>
    public string Prefix { get; }

    /// <summary>Now, in Unix milliseconds (the clock the node clients report in).</summary>
    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    /// <summary>Connects <paramref name="clients"/> EventSource clients to the global stream through nginx and waits until all are open.</summary>
    public static async Task<FleetRun> StartAsync(FleetFixture fleet, string name, int clients)
    {
        await fleet.EnsureAllRunningAsync();
        var prefix = $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)] + "-";
        var logStart = fleet.Nginx.AccessLog().Length;
        var sources = await EventSourceClients.StartAsync(new Uri(fleet.ProxyHttp, "/api/v2/stream"), clients, prefix, TimeSpan.FromMinutes(5));
        var run = new FleetRun(fleet, sources, prefix, logStart);
        await sources.WaitAllOpenAsync(TimeSpan.FromSeconds(60), "the first connect");
        return run;
    }

    /// <summary>Starts writing this run's items, one every <paramref name="every"/>.</summary>
    public void StartWriting(TimeSpan every)
    {
        _writer = new ItemWriter(_fleet.Writer(), Prefix, every);
        _writes = _writer.RunAsync(_writing.Token);
    }

    /// <summary>
    /// Stops writing, reads this run's items back from the store, waits (up to 30 s) until every client has all of them,
    /// counts each client's items against the store, then closes the clients so that nginx logs their last streams.
    /// </summary>
    public async Task<RunOutcome> FinishAsync()
    {
        await _writing.CancelAsync();
        await _writes;
        var stored = await _fleet.StoredItemIdsAsync(Prefix);
        Assert.Equal(_writer?.Written.Count ?? 0, stored.Count);
        var report = await Clients.WaitForItemsAsync(stored, TimeSpan.FromSeconds(30));
        var lines = await StreamLogAsync(report.Clients.Sum(c => c.Opens.Length));
        return new RunOutcome(Delivery.Count(report, stored), report, lines);
    }

    /// <summary>
    /// Closes the clients, so that every stream of the run has its access log line (nginx writes it when the stream
    /// ends), and returns the run's stream lines once there is one for each of the <paramref name="streams"/> streams
    /// opened, or once no line has been added for a second (a stream cut by an nginx restart is never logged).
    /// </summary>
    private async Task<IReadOnlyList<AccessLogLine>> StreamLogAsync(int streams)
    {
        await Clients.DisposeAsync();
        var deadline = Stopwatch.StartNew();
        var unchanged = Stopwatch.StartNew();
        var previous = -1;
        while (true)
        {
            var lines = AccessLogLine.Parse(_fleet.Nginx.AccessLog().Skip(_logStart)).Where(l => l.IsStream).ToList();
            if (lines.Count != previous)
            {
                previous = lines.Count;
                unchanged.Restart();
            }

            if (lines.Count(l => l.Status == 200) >= streams || unchanged.Elapsed > TimeSpan.FromSeconds(1) || deadline.Elapsed > TimeSpan.FromSeconds(10))
            {
                return lines;
            }

            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Waits until every client is open again and at least <paramref name="expectedAffected"/> clients have lost their
    /// stream between <paramref name="since"/> and <paramref name="until"/> (the event under test; a rotation later on is
    /// not counted); returns how many did, and how long after <paramref name="since"/> the last of them was open again.
    /// </summary>
    public async Task<(int Affected, double BackWithinMs)> WaitForReconnectsAsync(long since, long until, int expectedAffected, string what)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var report = await Clients.ReportAsync();
            var affected = report.Clients
                .Select(c => (Client: c, Cut: c.Errors.FirstOrDefault(e => e.At >= since && e.At <= until)))
                .Where(x => x.Cut is not null)
                .ToList();
            if (affected.Count >= expectedAffected && report.Clients.All(c => c.IsOpen))
            {
                var back = affected.Select(x => x.Client.Opens.Where(o => o >= x.Cut!.At).Min() - since);
                return (affected.Count, affected.Count == 0 ? 0 : back.Max());
            }

            var fatal = report.Clients.SelectMany(c => c.Errors.Where(e => e.Fatal)).ToList();
            Assert.True(
                deadline.Elapsed < TimeSpan.FromSeconds(60) && fatal.Count == 0,
                $"{what}: {affected.Count} clients lost their stream (expected at least {expectedAffected}); " +
                $"{report.Clients.Count(c => c.IsOpen)}/{report.Clients.Count} open, fatal errors {fatal.Count} " +
                $"(HTTP {string.Join(", ", fatal.Select(e => e.Code).Distinct())})\n{Diagnostics()}");
            await Task.Delay(100);
        }
    }

    /// <summary>The end of nginx's logs, for a failure message.</summary>
    public string Diagnostics() =>
        "nginx access log (end):\n" + string.Join('\n', _fleet.Nginx.AccessLog().Skip(_logStart).TakeLast(40)) +
        "\nnginx error log (end):\n" + string.Join('\n', _fleet.Nginx.ErrorLog().TakeLast(20));

    public static string Ms(double value) => value.ToString("0", CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        await _writing.CancelAsync();
        await _writes;
        _writing.Dispose();
        await Clients.DisposeAsync();
    }
}
