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
    /// <summary>How much managed memory all the cycles together may add; a share of it is allowed per half.</summary>
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

        // Two equal halves. A leak grows with the cycles, in both halves alike; what the first cycles still warm up
        // (pools grown to the concurrency, the thread pool on a small machine, the journal's ring) does not grow
        // again. So the second half alone is held to the tolerance, scaled to its share of the cycles.
        var half = cycles / 2;
        var stopwatch = Stopwatch.StartNew();
        var (resets, polite) = await RunCyclesAsync(app, half, seed: 2);
        await WaitIdleAsync(app);
        var middle = ManagedMemory();
        var (moreResets, morePolite) = await RunCyclesAsync(app, cycles - half, seed: 3);
        stopwatch.Stop();
        resets += moreResets;
        polite += morePolite;
        await producer.StopAsync();
        await WaitIdleAsync(app);
        var after = ManagedMemory();
        var itemsAdded = app.Store.Count - itemsBefore;
        var tolerance = MemoryTolerance * (cycles - half) / cycles;

        output.WriteLine(
            $"Leaks ({Soak.Form}): {cycles} cycles ({resets} RST mid-stream, {polite} FIN) in {stopwatch.Elapsed.TotalSeconds:0.0} s " +
            $"with {Workers} concurrent clients; after: active {app.Gate.Active}, journal readers {app.Runtime.Journal.ReaderCount}, clock registrations {app.Clock.Count}; " +
            $"managed memory {Soak.Megabytes(baseline)} before, {Soak.Megabytes(middle)} after the first half, {Soak.Megabytes(after)} after " +
            $"(second half {Soak.Megabytes(after - middle)}, tolerance +{Soak.Megabytes(tolerance)}; the store gained {itemsAdded} items meanwhile)");

        Assert.Equal(cycles, resets + polite);
        Assert.Equal(0, app.Gate.Active);
        Assert.Equal(0, app.Runtime.Journal.ReaderCount);
        Assert.Equal(0, app.Clock.Count);
        Assert.True(
            after - middle < tolerance,
            $"managed memory grew by {Soak.Megabytes(after - middle)} over the second {cycles - half} cycles (the first: {Soak.Megabytes(middle - baseline)})");
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
            () => app.Gate.Active == 0 && app.Runtime.Journal.ReaderCount == 0 && app.Clock.Count == 0,
            "every lease, journal reader and clock registration was released");

    private static long ManagedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}
