using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using SseRx.Host.Tests.Infrastructure;
using SseRx.Testing;
using Xunit.Abstractions;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// Rotation under load: with a short maximum stream lifetime and items flowing, every stream ends cleanly (a proper
/// end of the response, its last event complete) and the client resumes with <c>Last-Event-ID</c>; across several
/// rotations nothing is lost and nothing arrives twice.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class RotationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);

    /// <summary>Each stream's lifetime is shortened by up to this share (the default), so rotations do not line up.</summary>
    private const double LifetimeJitter = 0.1;

    [Fact]
    public async Task Streams_reaching_their_maximum_lifetime_end_cleanly_and_resume_with_nothing_lost_or_duplicated()
    {
        var clients = Soak.Size(fast: 3, soak: 20);
        var rotations = Soak.Size(fast: 3, soak: 15);
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?>
            {
                ["PollInterval"] = "00:00:00.050",
                ["MaxStreamLifetime"] = "00:00:02",
                ["MaxStreamLifetimeJitter"] = "0.1",
            },
            kestrel: true);

        var rotators = Enumerable.Range(0, clients).Select(_ => new Rotator(app)).ToList();
        await Task.WhenAll(rotators.Select(r => r.FirstMetrics.Task)).WaitAsync(SseRxApp.Deadline);
        var stopwatch = Stopwatch.StartNew();
        var producer = ItemProducer.Start(app, TimeSpan.FromMilliseconds(5));
        IReadOnlyList<string> published;
        try
        {
            await Eventually.TrueAsync(
                () => rotators.All(r => r.Rotations >= rotations || r.Completion.IsCompleted),
                $"every client went through {rotations} rotations",
                (rotations + 3) * Lifetime + SseRxApp.Deadline);
        }
        finally
        {
            await producer.StopAsync();
            published = producer.PublishedIds;
            foreach (var rotator in rotators)
            {
                rotator.Expect(published);
            }
        }

        var results = await Task.WhenAll(rotators.Select(r => r.Completion)).WaitAsync(Lifetime + SseRxApp.Deadline);
        stopwatch.Stop();

        var lost = results.Sum(r => published.Count(id => !r.Ids.Contains(id)));
        var duplicated = results.Sum(r => r.Ids.Count - r.Ids.Distinct().Count());
        output.WriteLine(
            $"Rotation under load ({Soak.Form}): {clients} clients, MaxStreamLifetime {Lifetime.TotalSeconds:0} s, " +
            $"{results.Sum(r => r.Rotations)} rotations in {stopwatch.Elapsed.TotalSeconds:0.0} s (each client >= {rotations}), " +
            $"{published.Count} items published; lost {lost}, duplicated {duplicated}, unclean ends {results.Sum(r => r.Unclean.Count)}, " +
            $"resyncs {results.Sum(r => r.Resyncs)}; stream lengths {results.SelectMany(r => r.Durations).Min().TotalSeconds:0.00}-{results.SelectMany(r => r.Durations).Max().TotalSeconds:0.00} s");

        foreach (var result in results)
        {
            Assert.Empty(result.Unclean);
            Assert.True(result.Rotations >= rotations, $"a client went through only {result.Rotations} rotations");
            Assert.Equal(0, result.Resyncs);
            Assert.Equal(published, result.Ids);

            // Each stream ran its full (jittered) lifetime: it was rotated, not dropped early (a little slack for the first event's latency).
            Assert.All(result.Durations, d => Assert.True(d >= Lifetime * (1 - LifetimeJitter) * 0.95, $"a stream ended after {d}"));
        }
    }

    /// <summary>One client that reads each stream to its end and reconnects with its last id, until it has everything.</summary>
    private sealed class Rotator
    {
        private readonly HttpClient _client;
        private IReadOnlyList<string>? _expected;

        public Rotator(SseRxApp app)
        {
            _client = app.NewClient();
            Completion = Task.Run(RunAsync);
        }

        public TaskCompletionSource FirstMetrics { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<Result> Completion { get; }

        public int Rotations => Volatile.Read(ref _rotations);

        private int _rotations;

        public void Expect(IReadOnlyList<string> published) => Volatile.Write(ref _expected, published);

        private bool HasEverything(HashSet<string> seen) => Volatile.Read(ref _expected) is { } expected && expected.All(seen.Contains);

        private async Task<Result> RunAsync()
        {
            var result = new Result();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            string? lastEventId = null;
            while (!HasEverything(seen))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/stream");
                if (lastEventId is not null)
                {
                    request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
                }

                var opened = Stopwatch.StartNew();
                using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(SseRxApp.Deadline);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                // The raw bytes, to check the frames.
                using var raw = new MemoryStream();
                using var tee = new RecordingStream(await response.Content.ReadAsStreamAsync(), raw);
                await using var events = SseParser.Create(tee, static (_, data) => Encoding.UTF8.GetString(data)).EnumerateAsync().GetAsyncEnumerator();
                var count = 0;
                var ended = false;
                while (true)
                {
                    if (!await events.MoveNextAsync().AsTask().WaitAsync(SseRxApp.Deadline))
                    {
                        ended = true;
                        break;
                    }

                    var e = events.Current;
                    count++;
                    if (!string.IsNullOrEmpty(e.EventId))
                    {
                        lastEventId = e.EventId;
                    }

                    if (e.EventType == SentimentEventTypes.Metrics)
                    {
                        FirstMetrics.TrySetResult();
                    }
                    else if (e.EventType == SseEventTypes.Resync)
                    {
                        result.Resyncs++;
                    }
                    else if (e.EventType == SentimentEventTypes.NewItem)
                    {
                        var id = SseStream.Json(e).GetProperty("item_id").GetString()!;
                        result.Ids.Add(id);
                        seen.Add(id);
                        if (HasEverything(seen))
                        {
                            break;
                        }
                    }
                }

                if (!ended)
                {
                    // Done: this last stream is closed by the client, not rotated.
                    break;
                }

                // A rotation: the response ended properly (a cut chunked body would have thrown), on an event boundary,
                // with as many events parsed as frames sent.
                result.Durations.Add(opened.Elapsed);
                Interlocked.Increment(ref _rotations);
                var bytes = raw.ToArray();
                var frames = Encoding.UTF8.GetString(bytes).Split("\n\n").Length - 1;
                if (!bytes.AsSpan().EndsWith("\n\n"u8) || frames != count)
                {
                    result.Unclean.Add($"{bytes.Length} bytes, {frames} frames, {count} events, ends with '{Encoding.UTF8.GetString(bytes.AsSpan(Math.Max(0, bytes.Length - 20)))}'");
                }
            }

            result.Rotations = Rotations;
            return result;
        }
    }

    private sealed class Result
    {
        public List<string> Ids { get; } = [];

        public List<TimeSpan> Durations { get; } = [];

        public List<string> Unclean { get; } = [];

        public int Resyncs { get; set; }

        public int Rotations { get; set; }
    }
}
