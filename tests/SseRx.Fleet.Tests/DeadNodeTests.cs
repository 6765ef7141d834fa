using System.Globalization;
using SseRx.Fleet.Tests.Infrastructure;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Fleet.Tests;

/// <summary>
/// A node dies (SIGKILL: no graceful end, its connections simply break): its clients must recover through the other
/// instances with nothing lost, and nginx's passive health check must take the dead instance out of rotation.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class DeadNodeTests(FleetFixture fleet, ITestOutputHelper output)
{
    /// <summary>50 clients in the default run; <c>SSERX_SOAK=1</c> runs 300.</summary>
    private static int Clients => Soak.Size(50, 300);

    [Fact]
    public async Task A_killed_instance_is_taken_out_by_nginx_and_its_clients_recover_through_the_others_with_nothing_lost()
    {
        const int Victim = 0;
        var port = fleet.StreamPort(Victim).ToString(CultureInfo.InvariantCulture);
        await using var run = await FleetRun.StartAsync(fleet, "dead", Clients);
        run.StartWriting(TimeSpan.FromMilliseconds(100));
        var (connections, _) = await fleet.HealthAsync(Victim);
        var errorLogStart = fleet.Nginx.ErrorLog().Length;
        var at = FleetRun.Now;
        await fleet.StopStreamAsync(Victim, kill: true);
        var (affected, back) = await run.WaitForReconnectsAsync(at, FleetRun.Now + 500, connections, "the SIGKILL");

        // The passive health check: a failed connect to the dead instance takes it out for fail_timeout (nginx says so at warn).
        await Eventually.TrueAsync(
            () => fleet.Nginx.ErrorLog().Skip(errorLogStart).Any(l => l.Contains("upstream server temporarily disabled", StringComparison.Ordinal) && l.Contains($":{port}/", StringComparison.Ordinal)),
            "nginx logged that it took the dead instance out",
            TimeSpan.FromSeconds(20));

        var outcome = await run.FinishAsync();
        var triedDead = outcome.StreamLines.Count(l => l.StartedAtMs >= at && l.Upstreams.Contains($"127.0.0.1:{port}"));

        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Dead node ({Soak.Form}): {Clients} EventSource clients through nginx, 10 items/s; instance {Victim} ({connections} streams) killed with SIGKILL: " +
            $"{affected} clients reconnected through the others, all back {back / 1000:0.00} s after the kill"));
        output.WriteLine($"  nginx: {triedDead} stream request(s) tried the dead instance and were retried on another, then it was out of rotation");
        output.WriteLine($"  {outcome.Describe()}");

        outcome.AssertExactlyOnceWithoutClientErrors();

        // Leave the fleet whole for the next test.
        await fleet.StartStreamAsync(Victim);
        await fleet.WaitInRotationAsync(Victim);
    }
}
