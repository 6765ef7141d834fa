using System.Net.ServerSentEvents;
using System.Text.Json;
using SseRx.Package.Tests.Infrastructure;

namespace SseRx.Package.Tests;

/// <summary>Two endpoints over one journal: <c>MapSseRx</c> streams everything, a per-request pipeline one sensor.</summary>
[Collection(PackagedAppCollection.Name)]
public sealed class EndpointTests(PackagedApp app)
{
    [Fact]
    public async Task Both_endpoints_stream_and_the_sensor_endpoint_only_its_sensor()
    {
        await using var process = await app.StartAsync();

        // Two before anyone connects (a new client gets recent items at connect), two while both streams are open.
        var b1 = await process.AddAsync("b", 1);
        var a1 = await process.AddAsync("a", 1);
        await using var all = await process.OpenAsync("/measurements/stream");
        await using var sensor = await process.OpenAsync("/sensors/a/stream");
        Assert.Equal("heartbeat", (await all.NextAsync()).EventType);
        Assert.Equal("heartbeat", (await sensor.NextAsync()).EventType);
        var b2 = await process.AddAsync("b", 2);
        var a2 = await process.AddAsync("a", 2);

        await all.ReadUntilAsync(e => e.EventId == a2);
        Assert.Equal([b1, a1, b2, a2], Measurements(all.Read).Select(m => m.Id));

        await sensor.ReadUntilAsync(e => e.EventId == a2);
        var mine = Measurements(sensor.Read);
        Assert.Equal([a1, a2], mine.Select(m => m.Id));
        Assert.All(mine, m => Assert.Equal("a", m.Sensor));

        // Events about no sensor in particular (the count state) reach the filtered stream too.
        Assert.Contains(sensor.Read, e => e.EventType == "count");
    }

    private static List<(string? Id, string? Sensor)> Measurements(IEnumerable<SseItem<string>> events) =>
        [.. events.Where(e => e.EventType == "measurement").Select(e => (e.EventId, JsonDocument.Parse(e.Data).RootElement.GetProperty("sensor").GetString()))];
}
