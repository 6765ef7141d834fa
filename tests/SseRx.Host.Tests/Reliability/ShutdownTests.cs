using System.Diagnostics;
using System.Globalization;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// A deploy stops the process with SIGTERM while it serves many streams: it must exit promptly, end every stream
/// properly, and leave each client holding an id that a new process accepts as a resume cursor.
/// </summary>
/// <remarks>
/// The real host runs as its own process (<see cref="HostProcess"/>) on the in-memory store with the simulator on;
/// the streams are plain sockets (<see cref="RawSseStream"/>). Every wait is bounded.
/// </remarks>
public sealed class ShutdownTests(ITestOutputHelper output)
{
    private const int Streams = 1000;
    private const int Sampled = 50;
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(5);

    private static readonly Dictionary<string, string> Settings = new()
    {
        ["SseRx__Store"] = "memory",
        ["SseRx__MaxConnections"] = "2000",

        // One test client, one address: the per-client cap and the rate limit would refuse it, which is not the point here.
        ["SseRx__MaxConnectionsPerClient"] = "2000",
        ["SseRx__RateLimit__Enabled"] = "false",
        ["SseRx__PollInterval"] = "00:00:00.500",
        ["SseRx__HeartbeatInterval"] = "00:00:05",
        ["SseRx__Simulator__EventsPerSecond"] = "2",
    };

    [Fact]
    public async Task Sigterm_with_1000_open_streams_exits_within_5_s_and_a_new_process_accepts_every_last_id()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var streams = new List<RawSseStream>();
        try
        {
            await using (var first = await HostProcess.StartAsync(Settings, TimeSpan.FromSeconds(30)))
            {
                await OpenAsync(first, streams, budget.Token);
                await Eventually.TrueAsync(
                    () => streams.All(s => s.NewItems >= 3),
                    "every stream received new_item events, so the ids sent span data, snapshots and heartbeats",
                    TimeSpan.FromSeconds(60));

                var stopwatch = Stopwatch.StartNew();
                await first.SendSigtermAsync();
                var exited = await first.WaitForExitAsync(TimeSpan.FromSeconds(20));
                var exitTime = stopwatch.Elapsed;
                var ended = await Task.WhenAll(streams.Select(s => EndOf(s.Completion))).WaitAsync(TimeSpan.FromSeconds(20));
                var allEnded = stopwatch.Elapsed;

                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"SIGTERM with {Streams} open streams: exit after {exitTime.TotalSeconds:0.000} s (code {(exited ? first.ExitCode : -1)}), every stream at EOF after {allEnded.TotalSeconds:0.000} s; ended properly {ended.Count(e => e == End.Completed)}, cut off {ended.Count(e => e == End.CutOff)}, reset {ended.Count(e => e == End.Reset)}"));
                Assert.True(exited, $"still running 20 s after SIGTERM\n{first.Output}");
                Assert.True(exitTime < ExitLimit, $"exit took {exitTime}");
                Assert.Equal(0, first.ExitCode);

                // Every response ended with its terminating chunk: the server ended it, the socket did not just drop.
                Assert.All(ended, e => Assert.Equal(End.Completed, e));
            }

            var lastIds = streams.Select(s => s.LastEventId).ToList();
            Assert.All(lastIds, id => Assert.True(SseEventId.TryParse(id, out _), $"last id '{id}' is not a valid cursor"));

            // A broadcast leaves every stream on the same last id, so also resume from the other ids streams were sent
            // (any of them is a last id for a client that drops right after it): up to 50, spread over the run.
            var seen = streams.SelectMany(s => s.Events).Select(e => e.EventId!).Concat(lastIds!).Distinct().Order(StringComparer.Ordinal).ToList();
            var sample = Enumerable.Range(0, Math.Min(Sampled, seen.Count)).Select(i => seen[i * seen.Count / Math.Min(Sampled, seen.Count)])
                .Union(lastIds.Distinct()!).ToList();
            output.WriteLine($"{lastIds.Distinct().Count()} distinct last id(s) ({string.Join(", ", lastIds.Distinct())}); {seen.Count} distinct ids sent; resuming from {sample.Count}");

            await using var second = await HostProcess.StartAsync(Settings, TimeSpan.FromSeconds(30));
            var resumed = await Task.WhenAll(sample.Select(id => ResumeAsync(second, id!, budget.Token)));

            // The in-memory store lives and dies with its process: what the old process ingested but never sent is gone.
            // Whether a resume is answered with a resync or from the new process's own items is not asserted here (seen
            // both ways; an open question recorded in the issue notes); what every resume must do is asserted below.
            // A shared store (DynamoDB) makes a restart lossless: see the DynamoDB host tests.
            Assert.All(resumed, r =>
            {
                var cursor = SseEventId.Parse(r.Cursor);
                Assert.All(
                    r.Events.Where(e => e.EventType != SseEventTypes.Heartbeat),
                    e => Assert.True(SseEventId.Parse(e.EventId!) > cursor, $"{e.EventType} {e.EventId} is not after the cursor {r.Cursor}"));
                Assert.Contains(r.Events, e => e.EventType is SentimentEventTypes.Metrics or SseEventTypes.Resync);
            });
            output.WriteLine($"new process: {resumed.Length} cursors accepted (200, metrics, nothing at or before the cursor)");
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private enum End
    {
        Completed,
        CutOff,
        Reset,
    }

    private static async Task<End> EndOf(Task<bool> completion)
    {
        try
        {
            return await completion ? End.Completed : End.CutOff;
        }
        catch (IOException)
        {
            return End.Reset;
        }
    }

    /// <summary>Opens <see cref="Streams"/> streams, at most 50 connecting at a time, each admitted (200).</summary>
    private static async Task OpenAsync(HostProcess host, List<RawSseStream> streams, CancellationToken cancellationToken)
    {
        using var connecting = new SemaphoreSlim(50);
        var opening = Enumerable.Range(0, Streams).Select(async i =>
        {
            await connecting.WaitAsync(cancellationToken);
            try
            {
                // Every 20th stream keeps what it reads, for the ids it was sent.
                return await RawSseStream.OpenAsync(host.Endpoint, lastEventId: null, keepEvents: i % 20 == 0, cancellationToken);
            }
            finally
            {
                connecting.Release();
            }
        });
        var opened = await Task.WhenAll(opening).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        streams.AddRange(opened);
        Assert.All(opened, s => Assert.Equal(200, s.StatusCode));
    }

    /// <summary>Resumes from <paramref name="cursor"/> and reads until the stream has delivered a metrics snapshot.</summary>
    private static async Task<(string Cursor, IReadOnlyList<System.Net.ServerSentEvents.SseItem<string>> Events)> ResumeAsync(
        HostProcess host, string cursor, CancellationToken cancellationToken)
    {
        await using var stream = await RawSseStream.OpenAsync(host.Endpoint, cursor, keepEvents: true, cancellationToken);
        Assert.Equal(200, stream.StatusCode);
        await Eventually.TrueAsync(
            () => stream.Events.Any(e => e.EventType is SentimentEventTypes.Metrics or SseEventTypes.Resync) || stream.Completion.IsCompleted,
            $"the resume from {cursor} delivered a snapshot",
            TimeSpan.FromSeconds(20));
        return (cursor, stream.Events);
    }
}
