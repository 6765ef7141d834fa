using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// Resume under churn: while items flow, one client is cut abruptly (TCP RST) again and again and reconnects each
/// time with <c>Last-Event-ID</c> set to the last id it parsed. What it received over all its connections must be
/// exactly what was published: nothing lost, nothing twice.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class ResumeUnderChurnTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_client_reset_over_and_over_resumes_with_nothing_lost_and_nothing_duplicated()
    {
        var cuts = Soak.Size(fast: 100, soak: 1_000);
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?> { ["PollInterval"] = "00:00:00.050" },
            kestrel: true);
        using var client = new ResettableClient(app.BaseAddress);
        var random = new Random(8);
        var received = new List<string>();
        var resyncs = 0;
        string? lastEventId = null;

        // For a diagnosis if anything goes missing: each connection's Last-Event-ID and the events it got.
        var connections = new List<(string? ResumedFrom, List<string> Events)>();

        void Record(SseItem<string> e)
        {
            if (!string.IsNullOrEmpty(e.EventId))
            {
                lastEventId = e.EventId;
            }

            connections[^1].Events.Add($"{e.EventType} {e.EventId}");
            if (e.EventType == SentimentEventTypes.NewItem)
            {
                received.Add(SseStream.Json(e).GetProperty("item_id").GetString()!);
            }
            else if (e.EventType == SseEventTypes.Resync)
            {
                resyncs++;
            }
        }

        // Publish only once the feed has polled (its first metrics): items before its first cursor are not "new".
        connections.Add((null, []));
        var stream = await OpenAsync(client, lastEventId: null);
        Record(await stream.NextOfTypeAsync(SentimentEventTypes.Metrics));
        var windowStart = SseEventId.AtTime(DateTimeOffset.UtcNow);
        var producer = ItemProducer.Start(app, TimeSpan.FromMilliseconds(5));
        var stopwatch = Stopwatch.StartNew();
        try
        {
            for (var cut = 0; cut < cuts; cut++)
            {
                // Anywhere from right after the connect heartbeat to the middle of a poll's batch.
                var events = random.Next(1, 12);
                for (var i = 0; i < events; i++)
                {
                    Record(await stream.NextAsync() ?? throw new InvalidOperationException("The server ended a stream it should have kept open."));
                }

                client.Reset();
                await stream.DisposeAsync();
                connections.Add((lastEventId, []));
                stream = await OpenAsync(client, lastEventId);
            }

            await producer.StopAsync();
            var published = producer.PublishedIds;

            // The last connection stays until everything published has arrived. Heartbeats (every second) keep each
            // read short, so the deadline is checked between events and no read is left pending.
            var missing = new HashSet<string>(published, StringComparer.Ordinal);
            missing.ExceptWith(received);
            var deadline = DateTime.UtcNow + SseRxApp.Deadline;
            while (missing.Count > 0 && DateTime.UtcNow < deadline)
            {
                var next = await stream.NextAsync();
                if (next is null)
                {
                    break;
                }

                Record(next.Value);
                if (next.Value.EventType == SentimentEventTypes.NewItem)
                {
                    missing.Remove(received[^1]);
                }
            }

            stopwatch.Stop();
            var storedItems = Assert.IsAssignableFrom<IReadOnlyList<SseRx.Host.Sentiment.SentimentItem>>(
                await app.Store.ReadAsync(new EntryRange(windowStart, SseEventId.Settled(DateTimeOffset.UtcNow.AddMinutes(1)), int.MaxValue), CancellationToken.None));
            var storedIds = storedItems.Select(i => i.ItemId).ToList();
            var distinct = new HashSet<string>(received, StringComparer.Ordinal);
            var lost = published.Count(id => !distinct.Contains(id));
            var duplicated = received.Count - distinct.Count;
            var unexpected = distinct.Count(id => !published.Contains(id));
            output.WriteLine(
                $"Resume under churn ({Soak.Form}): {cuts} RST cuts in {stopwatch.Elapsed.TotalSeconds:0.0} s; " +
                $"published {published.Count}, received {received.Count} new_item events ({distinct.Count} distinct); " +
                $"lost {lost}, duplicated {duplicated}, unexpected {unexpected}, resyncs {resyncs}");

            foreach (var id in published.Where(id => !distinct.Contains(id)).Take(3))
            {
                var stored = storedItems.First(i => i.ItemId == id);
                output.WriteLine($"Lost {id} (id {stored.EventId}): {Diagnose(id)}");
            }

            Assert.Equal(published, storedIds);
            Assert.True(published.Count > cuts, $"only {published.Count} items were published over {cuts} cuts: too few to test resume");
            Assert.Equal(0, lost);
            Assert.Equal(0, duplicated);
            Assert.Equal(0, unexpected);
            Assert.Equal(0, resyncs);

            // Publication order is id order, so a client that resumed correctly also saw the items in order.
            Assert.Equal(published, received);

            // The connection that skipped a lost item: the first whose items jump past it.
            string Diagnose(string lost)
            {
                var after = published.SkipWhile(id => id != lost).Skip(1).FirstOrDefault(distinct.Contains);
                var index = connections.FindIndex(c => after is not null && c.Events.Any(e => e.Contains(after, StringComparison.Ordinal)));
                if (index <= 0)
                {
                    return $"next received item {after}; no connection to blame";
                }

                var (resumedFrom, events) = connections[index];
                var (previousFrom, previous) = connections[index - 1];
                return $"connection {index} resumed from {resumedFrom} and got [{string.Join(", ", events.Take(6))}]; " +
                    $"connection {index - 1} had resumed from {previousFrom} and got [{string.Join(", ", previous)}]";
            }
        }
        finally
        {
            await producer.DisposeAsync();
            await stream.DisposeAsync();
        }
    }

    private static async Task<SseStream> OpenAsync(ResettableClient client, string? lastEventId)
    {
        var stream = await SseStream.OpenAsync(client.Http, "/api/v2/stream", lastEventId);
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        return stream;
    }
}
