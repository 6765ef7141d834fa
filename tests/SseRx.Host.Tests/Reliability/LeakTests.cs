using System.Diagnostics;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// Leaks: many connect/disconnect cycles over raw sockets while items flow, half of them reset mid-stream (RST) and
/// half closed politely (FIN, then drained). Afterwards no lease, no journal reader (so no subscription to the
/// shared feed) and no managed memory beyond a stated tolerance may be left behind.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class LeakTests(ITestOutputHelper output)
{
    /// <summary>How much more managed memory than the baseline the process may hold after the cycles.</summary>
    private const long MemoryTolerance = 5 * 1024 * 1024;

    private const int Workers = 8;

    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    [Fact]
    public async Task Thousands_of_connect_disconnect_cycles_half_reset_mid_stream_leave_no_lease_no_reader_and_no_memory_behind()
    {
        var cycles = Soak.Size(fast: 2_000, soak: 10_000);
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?>
            {
                ["PollInterval"] = "00:00:00.050",
                ["HeartbeatInterval"] = "00:00:00.100",
            },
            kestrel: true);
        await using var producer = ItemProducer.Start(app, TimeSpan.FromMilliseconds(20));

        // Warm-up: JIT, Kestrel's and the socket stack's pools, the journal's ring filling up; none of that is a leak.
        await RunCyclesAsync(app, 200, seed: 1);
        await WaitIdleAsync(app);
        var baseline = ManagedMemory();
        var itemsBefore = app.Store.Count;

        var stopwatch = Stopwatch.StartNew();
        var (resets, polite) = await RunCyclesAsync(app, cycles, seed: 2);
        stopwatch.Stop();
        await producer.StopAsync();
        await WaitIdleAsync(app);
        var after = ManagedMemory();
        var itemsAdded = app.Store.Count - itemsBefore;

        output.WriteLine(
            $"Leaks ({Soak.Form}): {cycles} cycles ({resets} RST mid-stream, {polite} FIN) in {stopwatch.Elapsed.TotalSeconds:0.0} s " +
            $"with {Workers} concurrent clients; after: active {app.Runtime.Gate.Active}, journal readers {app.Runtime.Journal.ReaderCount}, clock registrations {app.Runtime.Clock.Count}; " +
            $"managed memory {Soak.Megabytes(baseline)} before, {Soak.Megabytes(after)} after " +
            $"({Soak.Megabytes(after - baseline)} delta, tolerance +{Soak.Megabytes(MemoryTolerance)}; the store gained {itemsAdded} items meanwhile)");

        Assert.Equal(cycles, resets + polite);
        Assert.Equal(0, app.Runtime.Gate.Active);
        Assert.Equal(0, app.Runtime.Journal.ReaderCount);
        Assert.Equal(0, app.Runtime.Clock.Count);
        Assert.True(after - baseline < MemoryTolerance, $"managed memory grew by {Soak.Megabytes(after - baseline)} over {cycles} cycles");
    }

    /// <summary>Runs <paramref name="cycles"/> cycles on <see cref="Workers"/> concurrent clients; every other one is reset.</summary>
    private static async Task<(int Resets, int Polite)> RunCyclesAsync(SseRxApp app, int cycles, int seed)
    {
        var next = -1;
        var resets = 0;
        var polite = 0;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed * 100 + worker);
            int cycle;
            while ((cycle = Interlocked.Increment(ref next)) < cycles)
            {
                using var connection = await RawSocketClient.OpenAsync(app.BaseAddress, "/api/v2/stream");
                await connection.ReadHeadAsync();
                Assert.Equal(200, connection.StatusCode);

                // Mid-stream: after one or two events, while the server keeps writing heartbeats and items.
                await connection.ReadUntilAsync(EventEnd, random.Next(1, 3));
                if (cycle % 2 == 0)
                {
                    connection.Abort();
                    Interlocked.Increment(ref resets);
                }
                else
                {
                    await connection.CloseGracefullyAsync();
                    Interlocked.Increment(ref polite);
                }
            }
        })));
        return (resets, polite);
    }

    private static Task WaitIdleAsync(SseRxApp app) =>
        Eventually.TrueAsync(
            () => app.Runtime.Gate.Active == 0 && app.Runtime.Journal.ReaderCount == 0 && app.Runtime.Clock.Count == 0,
            "every lease, journal reader and clock registration was released");

    private static long ManagedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
