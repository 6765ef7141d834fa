using System.Globalization;
using SseRx.Fleet.Tests.Infrastructure;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Fleet.Tests;

/// <summary>
/// Every client cut at the same instant (nginx restarted: all client connections close at once) must not come back in
/// the same instant: each connection was told its own retry interval (RetryInterval plus up to RetryJitter, read from
/// the responses by the clients), so the reconnects spread over the jitter, the instances are not hit by one burst, and
/// nobody is refused while there is room.
/// With <c>SSERX_SOAK=1</c> the test also waits for the streams' next rotation (MaxStreamLifetime, shortened per stream by
/// up to MaxStreamLifetimeJitter) and reports how those spread.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class ReconnectStormTests(FleetFixture fleet, ITestOutputHelper output)
{
    private const int Clients = 300;

    [Fact]
    public async Task Three_hundred_clients_cut_at_once_come_back_spread_over_the_retry_jitter_and_none_is_refused()
    {
        await using var run = await FleetRun.StartAsync(fleet, "storm", Clients);
        run.StartWriting(TimeSpan.FromMilliseconds(100));
        var before = await Task.WhenAll(Enumerable.Range(0, FleetFixture.StreamInstances).Select(fleet.HealthAsync));

        var at = FleetRun.Now;
        await fleet.Nginx.RestartAsync();
        var (affected, back) = await run.WaitForReconnectsAsync(at, FleetRun.Now + 500, Clients, "the storm");
        var after = await Task.WhenAll(Enumerable.Range(0, FleetFixture.StreamInstances).Select(fleet.HealthAsync));

        // When each client sent its reconnect (its timer fired), and when that stream was open.
        var report = await run.Clients.ReportAsync();
        var requests = report.Clients.Select(c => c.Requests.First(r => r >= at) - at).Order().ToList();
        var returns = report.Clients.Select(c => c.Opens.First(o => o >= at) - at).Order().ToList();
        var stormSpread = Spread(returns);
        var retries = report.Clients.SelectMany(c => c.Retries).ToList();

        string? rotation = null;
        if (Soak.Enabled)
        {
            // Every stream opened in the storm rotates between 16 and 20 s later: wait for each client's next reconnect.
            var stormEnd = at + returns[^1];
            var rotated = await WaitForNextReconnectAsync(run, stormEnd);
            var rotationSpread = Spread(rotated);
            rotation = $"their next rotation (MaxStreamLifetime 20 s, jitter 0.2): {rotationSpread}";
        }

        var outcome = await run.FinishAsync();
        var (visible, retried503, retriedConnects) = outcome.Answers(at, at + 10_000);
        var peak503 = outcome.StreamLines
            .Where(l => l.StartedAtMs >= at && l.StartedAtMs < at + 10_000)
            .SelectMany(l => l.UpstreamStatuses.Where(s => s == 503).Select(_ => (long)(l.StartedAtMs - at) / 100))
            .GroupBy(bucket => bucket).Select(g => g.Count()).DefaultIfEmpty(0).Max();

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Reconnect storm: {Clients} EventSource clients through nginx ({string.Join(" / ", before.Select(h => h.Connections))} streams per instance), " +
            $"nginx restarted (every client connection closed at once): {affected} clients reconnected, all back {back / 1000:0.00} s later"));
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  retry: given to the clients' {retries.Count} responses: {retries.Min()}-{retries.Max()} ms, {retries.Distinct().Count()} distinct values " +
            $"(retry {FleetFixture.RetryInterval.TotalSeconds:0} s + jitter up to {FleetFixture.RetryJitter.TotalSeconds:0} s)"));
        output.WriteLine($"  reconnect requests after the cut: {Spread(requests)}");
        output.WriteLine($"  streams open again after the cut: {stormSpread}");
        if (rotation is not null)
        {
            output.WriteLine($"  {rotation}");
        }

        output.WriteLine($"  streams per instance after the storm: {string.Join(" / ", after.Select(h => h.Connections))} (least_conn)");
        output.WriteLine($"  during the storm (10 s): 503s from an instance {retried503} (peak {peak503} per 100 ms, each retried by nginx), failed connects {retriedConnects}; non-2xx to a client {visible}");
        output.WriteLine($"  {outcome.Describe()}");

        // Each connection was told its own reconnection time, so the clients do not come back in one instant.
        var interval = (int)FleetFixture.RetryInterval.TotalMilliseconds;
        Assert.All(retries, r => Assert.InRange(r, interval, interval + (int)FleetFixture.RetryJitter.TotalMilliseconds));
        Assert.True(retries.Distinct().Count() > Clients / 4, $"{retries.Distinct().Count()} distinct retry values among {retries.Count}");
        Assert.True(MostInAnyWindow(requests, 100) < Clients, $"every reconnect request in the same 100 ms: {Spread(requests)}");
        outcome.AssertExactlyOnceWithoutClientErrors();
    }

    private static async Task<List<long>> WaitForNextReconnectAsync(FleetRun run, long since)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var report = await run.Clients.ReportAsync();
            var next = report.Clients.Select(c => c.Opens.Where(o => o > since + 1000).Cast<long?>().FirstOrDefault()).ToList();
            if (next.All(n => n is not null))
            {
                return [.. next.Select(n => n!.Value - since).Order()];
            }

            Assert.True(DateTime.UtcNow < deadline, $"{next.Count(n => n is null)} clients did not rotate within 60 s");
            await Task.Delay(250);
        }
    }

    private static int MostInAnyWindow(IReadOnlyList<long> sorted, long windowMs) =>
        sorted.Select((start, i) => sorted.Skip(i).TakeWhile(t => t < start + windowMs).Count()).DefaultIfEmpty(0).Max();

    private static string Spread(IReadOnlyList<long> sorted) => string.Create(
        CultureInfo.InvariantCulture,
        $"first {sorted[0]} ms, median {sorted[sorted.Count / 2]} ms, last {sorted[^1]} ms (spread {sorted[^1] - sorted[0]} ms); " +
        $"at most {MostInAnyWindow(sorted, 100)} of {sorted.Count} in any 100 ms");
}
