using System.Diagnostics;
using System.Globalization;
using SseRx.Fleet.Tests.Infrastructure;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Fleet.Tests;

/// <summary>
/// A deploy: with clients connected through nginx and items flowing, each stream instance is stopped with SIGTERM and
/// started again, one after the other, the next once nginx sends streams to the restarted one again. Every client must get every item exactly once (counted against the store), no
/// stream request may be answered with an error while another instance has room, and every client must be back after
/// one reconnect (its retry interval plus its jitter).
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class RollingRestartTests(FleetFixture fleet, ITestOutputHelper output)
{
    /// <summary>50 clients in the default run; <c>SSERX_SOAK=1</c> runs 300.</summary>
    private static int Clients => Soak.Size(50, 300);

    [Fact]
    public async Task A_rolling_restart_with_SIGTERM_loses_and_duplicates_nothing_and_no_client_sees_an_error()
    {
        await using var run = await FleetRun.StartAsync(fleet, "roll", Clients);
        run.StartWriting(TimeSpan.FromMilliseconds(100));
        var first = FleetRun.Now;
        var restarts = new List<string>();
        for (var instance = 0; instance < FleetFixture.StreamInstances; instance++)
        {
            var (connections, _) = await fleet.HealthAsync(instance);
            var at = FleetRun.Now;
            var clock = Stopwatch.StartNew();
            await fleet.StopStreamAsync(instance, kill: false);
            var exited = clock.Elapsed;
            var streamsEnded = FleetRun.Now + 500; // the instance ended its streams before it exited
            await fleet.StartStreamAsync(instance);
            var started = clock.Elapsed;
            var (affected, back) = await run.WaitForReconnectsAsync(at, streamsEnded, connections, $"the restart of instance {instance}");

            // As a deploy waits for the load balancer's health check, the next instance stops only once nginx uses this one again.
            var inRotation = await fleet.WaitInRotationAsync(instance);
            restarts.Add(string.Create(
                CultureInfo.InvariantCulture,
                $"instance {instance}: {connections} streams, exit {exited.TotalSeconds:0.00} s after SIGTERM, up again at {started.TotalSeconds:0.0} s; " +
                $"{affected} clients reconnected, all back {back / 1000:0.00} s after SIGTERM; in nginx's rotation again {(started + inRotation).TotalSeconds:0.0} s after SIGTERM"));
        }

        var outcome = await run.FinishAsync();
        var gaps = outcome.Report.Clients.SelectMany(c => c.Reconnects(first)).Select(r => r.BackAfter).ToList();
        var maxGap = gaps.Where(g => g is not null).Select(g => g!.Value).DefaultIfEmpty(0).Max();

        output.WriteLine($"Rolling restart ({Soak.Form}): {Clients} EventSource clients through nginx, 10 items/s, each of {FleetFixture.StreamInstances} stream instances restarted with SIGTERM in turn");
        foreach (var line in restarts)
        {
            output.WriteLine("  " + line);
        }

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  reconnects {gaps.Count} (restarts and rotations), longest wait {maxGap} ms (retry {FleetFixture.RetryInterval.TotalMilliseconds:0} ms + jitter up to " +
            $"{FleetFixture.RetryJitter.TotalMilliseconds:0} ms)"));
        output.WriteLine($"  {outcome.Describe()}");

        outcome.AssertExactlyOnceWithoutClientErrors();
        Assert.DoesNotContain(gaps, g => g is null);
    }
}
