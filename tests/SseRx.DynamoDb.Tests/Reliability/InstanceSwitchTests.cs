using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json;
using SseRx.DynamoDb.Tests.Infrastructure;
using SseRx.Host.Tests.Infrastructure;
using SseRx.Host.Tests.Reliability;
using Xunit.Abstractions;

namespace SseRx.DynamoDb.Tests.Reliability;

/// <summary>
/// The resume promise across processes, against late visibility: two host processes poll one table; a writer stamps
/// each item and writes it up to 500 ms later (readable late, within the 2 s bound: a loaded test machine can add more than a second to a write); a client keeps switching
/// between the processes with its last id, and the processes are killed (SIGKILL), stopped (SIGTERM) and restarted, and
/// rotate their streams. Every item the table holds must reach the client exactly once.
/// </summary>
[Collection(DynaliteCollection.Name)]
public sealed class InstanceSwitchTests(DynaliteFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Switches in the default run; <c>SSERX_SOAK=1</c> runs five times as many.</summary>
    private static int Switches => Environment.GetEnvironmentVariable("SSERX_SOAK") == "1" ? 1000 : 200;

    [Fact]
    public async Task A_client_switching_between_processes_across_kills_restarts_and_rotations_gets_every_late_item_exactly_once()
    {
        var tables = await fixture.CreateTablesAsync();
        var environment = new Dictionary<string, string>
        {
            ["SseRx__Store"] = "dynamodb",
            ["SseRx__DynamoDb__ServiceUrl"] = tables.ServiceUrl!,
            ["SseRx__DynamoDb__ItemsTable"] = tables.ItemsTable,
            ["SseRx__DynamoDb__ConfigurationsTable"] = tables.ConfigurationsTable,
            ["SseRx__DynamoDb__ClockSkew"] = "00:00:02",
            ["SseRx__PollInterval"] = "00:00:00.100",
            ["SseRx__HeartbeatInterval"] = "00:00:05",
            ["SseRx__MaxStreamLifetime"] = "00:00:02",
            ["SseRx__RateLimit__Enabled"] = "false",
            ["SseRx__MaxConnectionsPerClient"] = string.Empty,
        };

        var hosts = new HostProcess?[2];
        hosts[0] = await HostProcess.StartAsync(environment, StartTimeout);
        hosts[1] = await HostProcess.StartAsync(environment, StartTimeout);
        using var writing = new CancellationTokenSource();
        var writer = new DelayedWriter(new DynamoDbSentimentWriter(fixture.Client, tables));
        var writes = writer.RunAsync(writing.Token);

        var client = new SwitchingClient();
        var stopwatch = Stopwatch.StartNew();
        var kills = 0;
        var terms = 0;
        var rotations = 0;
        try
        {
            var current = 0;
            for (var i = 0; i < Switches; i++)
            {
                // Every 40th switch, end one process abruptly or gracefully and start a new one in its place.
                if (i % 40 == 20)
                {
                    var victim = 1 - current;
                    if ((i / 40) % 2 == 0)
                    {
                        await hosts[victim]!.DisposeAsync();
                        kills++;
                    }
                    else
                    {
                        await hosts[victim]!.SendSigtermAsync();
                        Assert.True(await hosts[victim]!.WaitForExitAsync(TimeSpan.FromSeconds(10)), "SIGTERM did not stop the host.");
                        await hosts[victim]!.DisposeAsync();
                        terms++;
                    }

                    hosts[victim] = await HostProcess.StartAsync(environment, StartTimeout);
                }

                // Usually a poll's batch, then a cut; every 20th time, stay until the stream's lifetime ends it.
                current = 1 - current;
                rotations += await client.ReadOnAsync(hosts[current]!, untilRotation: i % 20 == 10);
            }

            // Stop writing, then stay on one process until the last item written has arrived.
            await writing.CancelAsync();
            await writes;
            var last = writer.Written[^1];
            await client.ReadUntilAsync(hosts[current]!, last.EventId.ToString(), TimeSpan.FromSeconds(30));
        }
        finally
        {
            await writing.CancelAsync();
            foreach (var host in hosts)
            {
                if (host is not null)
                {
                    await host.DisposeAsync();
                }
            }
        }

        var written = writer.Written.Select(i => i.ItemId).ToList();
        var received = client.Items.Select(i => i.Id).ToList();
        var distinct = received.ToHashSet(StringComparer.Ordinal);
        var lost = written.Count(id => !distinct.Contains(id));
        foreach (var id in written.Where(id => !distinct.Contains(id)))
        {
            output.WriteLine($"lost {id}: readable {writer.VisibleAfter(id).TotalMilliseconds:0} ms after its stamp");
        }

        var beyondBound = written.Count(id => writer.VisibleAfter(id) > TimeSpan.FromSeconds(2));
        output.WriteLine($"{beyondBound} item(s) became readable later than the 2 s bound (the writer broke the contract)");
        var duplicated = received.Count - distinct.Count;
        var latencies = client.Items.Select(i => i.Latency.TotalMilliseconds).Order().ToArray();
        output.WriteLine(
            $"Switches {Switches} ({kills} SIGKILL + restart, {terms} SIGTERM + restart, {rotations} rotations) in " +
            $"{stopwatch.Elapsed.TotalSeconds:0.0} s; written {written.Count} (each written 0-500 ms after its stamp); received {received.Count}; " +
            $"lost {lost}, duplicated {duplicated}, resyncs {client.Resyncs}; ingest-to-client latency p50 " +
            $"{Percentile(latencies, 0.5):0} ms, p99 {Percentile(latencies, 0.99):0} ms, max {latencies[^1]:0} ms " +
            "(poll 100 ms, visibility bound 2 s)");

        Assert.Equal(0, lost);
        Assert.Equal(0, duplicated);
        Assert.Equal(0, client.Resyncs);
        Assert.Equal(written.Order(StringComparer.Ordinal), received.Order(StringComparer.Ordinal));
        Assert.True(kills >= 2 && terms >= 2 && rotations >= 10, $"{kills} kills, {terms} terms, {rotations} rotations.");
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];

    /// <summary>
    /// Writes 20 items a second, each stamped when it is made and written 0-500 ms later, so it becomes readable late.
    /// </summary>
    private sealed class DelayedWriter(DynamoDbSentimentWriter writer)
    {
        private readonly Random _random = new(12);
        private readonly List<SentimentItem> _written = [];
        private readonly Dictionary<string, TimeSpan> _visibleAfter = new(StringComparer.Ordinal);

        /// <summary>How long after its stamp each item's write completed: when it became readable at the latest.</summary>
        public TimeSpan VisibleAfter(string itemId)
        {
            lock (_written)
            {
                return _visibleAfter[itemId];
            }
        }
        private int _sequence;

        public IReadOnlyList<SentimentItem> Written
        {
            get
            {
                lock (_written)
                {
                    return [.. _written.OrderBy(i => i.EventId)];
                }
            }
        }

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var pending = new List<Task>();
            using var ticks = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
            try
            {
                while (await ticks.WaitForNextTickAsync(cancellationToken))
                {
                    var item = new SentimentItem(
                        string.Create(CultureInfo.InvariantCulture, $"w{Interlocked.Increment(ref _sequence):D6}"),
                        "AAPL",
                        SentimentLabel.Positive,
                        0.5,
                        DateTimeOffset.UtcNow);
                    int lag;
                    lock (_random)
                    {
                        lag = _random.Next(0, 501);
                    }

                    pending.Add(WriteLateAsync(item, TimeSpan.FromMilliseconds(lag)));
                }
            }
            catch (OperationCanceledException)
            {
            }

            await Task.WhenAll(pending);
        }

        private async Task WriteLateAsync(SentimentItem item, TimeSpan lag)
        {
            // The lag is the point of the test: the item is stamped now and becomes readable only this much later.
            await Task.Delay(lag);
            await writer.WriteAsync(item, CancellationToken.None);
            lock (_written)
            {
                _written.Add(item);
                _visibleAfter[item.ItemId] = DateTimeOffset.UtcNow - item.Timestamp;
            }
        }
    }

    /// <summary>A client that reads a little from one process, drops the connection, and resumes on the next with its last id.</summary>
    private sealed class SwitchingClient
    {
        private string? _lastEventId;

        public List<(string Id, TimeSpan Latency)> Items { get; } = [];

        public int Resyncs { get; private set; }

        /// <summary>
        /// Connects, reads until a poll's batch has arrived (a state event) or, with <paramref name="untilRotation"/>,
        /// until the server ends the stream at its lifetime, then drops. Returns 1 on a rotation.
        /// </summary>
        public async Task<int> ReadOnAsync(HostProcess host, bool untilRotation)
        {
            using var http = NewClient(host);
            await using var stream = await SseStream.OpenAsync(http, "/api/v2/stream", _lastEventId);
            Assert.Equal(System.Net.HttpStatusCode.OK, stream.Response.StatusCode);
            while (true)
            {
                var next = await stream.NextAsync(TimeSpan.FromSeconds(15));
                if (next is not { } e)
                {
                    return 1;
                }

                Record(e);
                if (!untilRotation && e.EventType is SentimentEventTypes.Metrics or SentimentEventTypes.SentimentUpdate)
                {
                    return 0;
                }
            }
        }

        /// <summary>Reads on one process until the event with <paramref name="eventId"/> has arrived.</summary>
        public async Task ReadUntilAsync(HostProcess host, string eventId, TimeSpan timeout)
        {
            var deadline = Stopwatch.StartNew();
            while (!Items.Any(i => i.Id == eventId[14..]) && deadline.Elapsed < timeout)
            {
                using var http = NewClient(host);
                await using var stream = await SseStream.OpenAsync(http, "/api/v2/stream", _lastEventId);
                while (await stream.NextAsync(TimeSpan.FromSeconds(15)) is { } e)
                {
                    Record(e);
                    if (e.EventId == eventId)
                    {
                        return;
                    }
                }
            }
        }

        private static HttpClient NewClient(HostProcess host) =>
            new(new SocketsHttpHandler { MaxResponseDrainSize = 0 })
            {
                BaseAddress = new Uri($"http://{host.Endpoint}"),
                Timeout = Timeout.InfiniteTimeSpan,
            };

        private void Record(SseItem<string> e)
        {
            _lastEventId = e.EventId;
            if (e.EventType == SseEventTypes.Resync)
            {
                Resyncs++;
            }
            else if (e.EventType == SentimentEventTypes.NewItem)
            {
                using var json = JsonDocument.Parse(e.Data);
                var stamped = json.RootElement.GetProperty("timestamp").GetDateTimeOffset();
                Items.Add((json.RootElement.GetProperty("item_id").GetString()!, DateTimeOffset.UtcNow - stamped));
            }
        }
    }
}
