using System.Diagnostics;
using System.Globalization;
using SseRx.Fleet.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Fleet.Tests;

/// <summary>
/// The store's cost stays flat as clients are added: each instance reads the store once per poll interval whatever its
/// number of streams (its <c>GET /health</c> <c>poll.fetches</c>), so a fleet reads it once per interval per instance.
/// The clients connect to each instance directly, so each holds exactly its share.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class StoreCostTests(FleetFixture fleet, ITestOutputHelper output)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(4);

    [Fact]
    public async Task Each_instance_reads_the_store_once_per_interval_at_1_100_and_300_clients_per_instance()
    {
        await fleet.EnsureAllRunningAsync();
        var instances = Enumerable.Range(0, FleetFixture.StreamInstances).ToList();
        var rows = new List<string>();
        foreach (var perInstance in new[] { 1, 100, 300 })
        {
            var clients = new List<EventSourceClients>();
            try
            {
                foreach (var i in instances)
                {
                    clients.Add(await EventSourceClients.StartAsync(new Uri(fleet.Direct(i), "/api/v2/stream"), perInstance, "cost-", TimeSpan.FromMinutes(2)));
                }

                foreach (var client in clients)
                {
                    await client.WaitAllOpenAsync(TimeSpan.FromSeconds(60), $"{perInstance} clients per instance");
                }

                var start = await Task.WhenAll(instances.Select(fleet.HealthAsync));
                var clock = Stopwatch.StartNew();
                await Task.Delay(Window); // the measurement window
                var end = await Task.WhenAll(instances.Select(fleet.HealthAsync));
                var intervals = clock.Elapsed / FleetFixture.PollInterval;

                var perInterval = instances.Select(i => (end[i].Fetches - start[i].Fetches) / intervals).ToList();
                rows.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{perInstance} client(s) per instance (streams {string.Join(" / ", end.Select(h => h.Connections))}): store reads per " +
                    $"{FleetFixture.PollInterval.TotalMilliseconds:0} ms interval {string.Join(" / ", perInterval.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}; " +
                    $"fleet total {perInterval.Sum():0.00} per interval over {intervals:0.0} intervals"));

                foreach (var i in instances)
                {
                    Assert.True(end[i].Connections >= perInstance, $"instance {i} holds {end[i].Connections} streams, not {perInstance}");

                    // Never more than one read per interval (the next poll is scheduled after the previous one's fan-out, so a
                    // busy instance makes fewer, never more); at least one in the window, so it polls at all.
                    Assert.InRange(end[i].Fetches - start[i].Fetches, 1, (long)Math.Ceiling(intervals) + 1);
                }
            }
            finally
            {
                foreach (var client in clients)
                {
                    await client.DisposeAsync();
                }
            }
        }

        output.WriteLine($"Store reads per instance per poll interval ({FleetFixture.StreamInstances} stream instances on one dynalite, EventSource clients on each):");
        foreach (var row in rows)
        {
            output.WriteLine("  " + row);
        }
    }
}
