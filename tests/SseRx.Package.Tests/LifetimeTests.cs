using System.Diagnostics;
using SseRx.Package.Tests.Infrastructure;

namespace SseRx.Package.Tests;

/// <summary>A stream ends by itself at its maximum lifetime, cleanly, after a whole event whose id resumes it.</summary>
[Collection(PackagedAppCollection.Name)]
public sealed class LifetimeTests(PackagedApp app)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task The_stream_ends_cleanly_at_its_max_lifetime_and_its_last_id_resumes_it()
    {
        await using var process = await app.StartAsync("--SseRx:Stream:MaxLifetime=00:00:02");
        var opened = Stopwatch.StartNew();
        await using var stream = await process.OpenAsync("/measurements/stream");
        var first = await process.AddAsync("s1", 1);

        // The server ends the response: its terminating chunk arrives (a cut-off body would throw), and its last bytes
        // finish an event, so the client holds every event it was sent.
        await stream.ReadToEndAsync();
        Assert.True(opened.Elapsed >= Lifetime - TimeSpan.FromMilliseconds(100), $"The stream ended after {opened.Elapsed}, before its lifetime.");
        Assert.EndsWith("\n\n", stream.RawText, StringComparison.Ordinal);
        var last = stream.LastEventId;
        Assert.NotNull(last);

        // The client reconnects as EventSource does: each measurement arrives once over the two responses (the first one
        // before the end or after the resume, however busy the machine), and there is no resync.
        await using var resumed = await process.OpenAsync("/measurements/stream", lastEventId: last);
        Assert.Equal(last, (await resumed.NextAsync()).EventId);
        var second = await process.AddAsync("s1", 2);
        await resumed.ReadUntilAsync(e => e.EventId == second);
        Assert.Equal([first, second], stream.Read.Concat(resumed.Read).Where(e => e.EventType == "measurement").Select(e => e.EventId));
        Assert.DoesNotContain(resumed.Read, e => e.EventType == "resync");
    }
}
