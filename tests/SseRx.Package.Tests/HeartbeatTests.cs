using System.Text.Json;
using SseRx.Package.Tests.Infrastructure;

namespace SseRx.Package.Tests;

/// <summary>A stream starts with a heartbeat, before any data exists, and keeps beating while there is nothing to send.</summary>
[Collection(PackagedAppCollection.Name)]
public sealed class HeartbeatTests(PackagedApp app)
{
    [Fact]
    public async Task The_first_event_is_a_heartbeat_then_the_state_then_heartbeats_while_idle()
    {
        await using var process = await app.StartAsync("--SseRx:Stream:HeartbeatInterval=00:00:01");
        await using var stream = await process.OpenAsync("/measurements/stream");
        Assert.Equal(200, (int)stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);

        // Nothing has been added: the connect heartbeat comes first, with the reconnection delay (3 s plus this
        // connection's share of the 2 s jitter) and a cursor.
        var first = await stream.NextAsync();
        Assert.Equal("heartbeat", first.EventType);
        Assert.InRange(first.ReconnectionInterval.GetValueOrDefault(), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
        Assert.True(IsCursor(first.EventId), $"The heartbeat's id '{first.EventId}' is not an event id.");
        using (var data = JsonDocument.Parse(first.Data))
        {
            Assert.True(data.RootElement.GetProperty("connections").GetInt32() >= 1);
        }

        // A new client gets the current state at connect, before any measurement exists.
        var state = (await stream.ReadUntilAsync(e => e.EventType == "count"))[^1];
        Assert.Equal("""{"count":0}""", state.Data);

        // Idle, the stream keeps beating; each later heartbeat repeats the last id, so it is always a valid cursor.
        var next = (await stream.ReadUntilAsync(e => e.EventType == "heartbeat"))[^1];
        Assert.Equal(state.EventId, next.EventId);
        Assert.Null(next.ReconnectionInterval);
    }

    private static bool IsCursor(string? id) =>
        id is { Length: >= 14 } && id[..13].All(char.IsAsciiDigit) && id[13] == '-';
}
