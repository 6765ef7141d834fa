using System.Net.ServerSentEvents;
using SseRx.Package.Tests.Infrastructure;

namespace SseRx.Package.Tests;

/// <summary>A client that loses its connection and comes back with its Last-Event-ID gets exactly what it missed.</summary>
[Collection(PackagedAppCollection.Name)]
public sealed class ResumeTests(PackagedApp app)
{
    [Fact]
    public async Task After_an_abrupt_cut_the_resumed_stream_carries_exactly_the_missed_items_in_order()
    {
        await using var process = await app.StartAsync();
        var before = new List<string>();
        string cursor;
        await using (var stream = await process.OpenAsync("/measurements/stream"))
        {
            for (var i = 0; i < 3; i++)
            {
                before.Add(await process.AddAsync("s1", i));
            }

            await stream.ReadUntilAsync(e => e.EventId == before[^1]);
            Assert.Equal(before, Measurements(stream.Read));
            cursor = stream.LastEventId!;

            // Disposing drops the response mid-body: the socket closes with the stream still open on the server.
        }

        // Nobody listens now (so the app has let go of its source); what is added meanwhile must not be lost.
        await AppProcess.EventuallyAsync(async () => await process.Client.GetStringAsync("/readers") == "0", "the server noticed the cut");
        var missed = new List<string>();
        for (var i = 3; i < 8; i++)
        {
            missed.Add(await process.AddAsync(i % 2 == 0 ? "s1" : "s2", i));
        }

        await using var resumed = await process.OpenAsync("/measurements/stream", lastEventId: cursor);
        var connect = await resumed.NextAsync();
        Assert.Equal("heartbeat", connect.EventType);
        Assert.Equal(cursor, connect.EventId);

        // One more item after the reconnect: everything before it on the stream is what the resume replayed.
        var sentinel = await process.AddAsync("s1", 99);
        await resumed.ReadUntilAsync(e => e.EventId == sentinel);
        Assert.Equal([.. missed, sentinel], Measurements(resumed.Read));
        Assert.DoesNotContain(resumed.Read, e => e.EventType == "resync");
    }

    private static List<string> Measurements(IEnumerable<SseItem<string>> events) =>
        [.. events.Where(e => e.EventType == "measurement").Select(e => e.EventId ?? "(no id)")];
}
