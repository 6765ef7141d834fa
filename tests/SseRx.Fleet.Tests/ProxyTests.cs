using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using SseRx.Fleet.Tests.Infrastructure;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Fleet.Tests;

/// <summary>
/// Streaming through nginx with the shipped configuration, measured against going to an instance directly: the first
/// event is not held back, every event is passed on as it arrives (not one behind), and heartbeats keep an idle stream
/// open past the proxy's read timeout.
/// </summary>
[Collection(FleetCollection.Name)]
public sealed class ProxyTests(FleetFixture fleet, ITestOutputHelper output)
{
    [Fact]
    public async Task The_first_event_through_nginx_arrives_about_as_soon_as_going_direct()
    {
        const int Rounds = 20;
        await fleet.EnsureAllRunningAsync();
        var direct = new List<double>();
        var proxied = new List<double>();
        for (var i = 0; i < Rounds; i++)
        {
            direct.Add(await FirstEventAsync(fleet.Direct(i % FleetFixture.StreamInstances)));
            proxied.Add(await FirstEventAsync(fleet.ProxyHttp));
        }

        direct.Sort();
        proxied.Sort();
        output.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"First event (connect to the connect heartbeat), {Rounds} fresh connections each: direct p50 {direct[Rounds / 2]:0.0} ms, p90 " +
            $"{direct[Rounds * 9 / 10]:0.0} ms; through nginx p50 {proxied[Rounds / 2]:0.0} ms, p90 {proxied[Rounds * 9 / 10]:0.0} ms; " +
            $"difference of the medians {proxied[Rounds / 2] - direct[Rounds / 2]:0.0} ms (goal: within 100 ms)"));

        // A proxy that buffered would hold the first events until its buffer filled or the stream ended: with a
        // heartbeat a second, not within one heartbeat interval.
        Assert.True(proxied[Rounds / 2] < FleetFixture.HeartbeatInterval.TotalMilliseconds, $"median {proxied[Rounds / 2]} ms");
    }

    [Fact]
    public async Task Events_pass_through_nginx_as_they_are_sent_not_one_behind()
    {
        const int Items = 6;
        await fleet.EnsureAllRunningAsync();
        var prefix = $"live-{Guid.NewGuid():N}"[..13] + "-";
        var clock = Stopwatch.StartNew();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var proxiedArrivals = new ConcurrentDictionary<string, double>();
        var directArrivals = new ConcurrentDictionary<string, double>[FleetFixture.StreamInstances];
        var readers = new List<Task>();
        var streams = new List<(HttpClient Client, SseStream Stream)>();
        try
        {
            streams.Add(await OpenAsync(fleet.ProxyHttp));
            readers.Add(RecordAsync(streams[^1].Stream, prefix, proxiedArrivals, clock, cancel.Token));
            for (var i = 0; i < FleetFixture.StreamInstances; i++)
            {
                directArrivals[i] = new ConcurrentDictionary<string, double>();
                streams.Add(await OpenAsync(fleet.Direct(i)));
                readers.Add(RecordAsync(streams[^1].Stream, prefix, directArrivals[i], clock, cancel.Token));
            }

            // One item at a time; the next only once the proxied client has the previous one.
            var writer = fleet.Writer();
            var delays = new List<double>();
            for (var n = 1; n <= Items; n++)
            {
                var id = string.Create(CultureInfo.InvariantCulture, $"{prefix}{n:D5}");
                await writer.WriteAsync(new SentimentItem(id, "AAPL", SentimentLabel.Positive, 0.5, DateTimeOffset.UtcNow), CancellationToken.None);
                await Eventually.TrueAsync(() => proxiedArrivals.ContainsKey(id), $"{id} arrived through nginx", TimeSpan.FromSeconds(15));
                await Eventually.TrueAsync(() => directArrivals.All(d => d.ContainsKey(id)), $"{id} arrived on every instance", TimeSpan.FromSeconds(15));

                // The instance that serves the proxied stream sent it at the same moment to its direct client.
                delays.Add(directArrivals.Select(d => proxiedArrivals[id] - d[id]).Where(d => d >= -1).DefaultIfEmpty(double.NaN).Min());
            }

            delays.Sort();
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{Items} items, each written only once the previous one had arrived: through nginx after the same instance's direct " +
                $"client by p50 {delays[Items / 2]:0.0} ms, max {delays[^1]:0.0} ms (heartbeat {FleetFixture.HeartbeatInterval.TotalSeconds:0} s)"));

            // One behind would mean each item waits for the next event: the heartbeat a second later.
            Assert.All(delays, d => Assert.True(d < FleetFixture.HeartbeatInterval.TotalMilliseconds / 2, $"an item arrived {d} ms after the direct client had it"));
        }
        finally
        {
            // Drop the connections first, so each reader's pending read ends, then release the streams.
            await cancel.CancelAsync();
            foreach (var (client, _) in streams)
            {
                client.Dispose();
            }

            await Task.WhenAll(readers);
            foreach (var (_, stream) in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Heartbeats_keep_an_idle_stream_open_through_nginx_past_its_read_timeout()
    {
        await fleet.EnsureAllRunningAsync();
        var window = FleetFixture.ProxyReadTimeout * 3;
        var (client, stream) = await OpenAsync(fleet.ProxyHttp);
        try
        {
            var clock = Stopwatch.StartNew();
            var heartbeats = 0;
            var longestSilence = TimeSpan.Zero;
            var last = clock.Elapsed;
            while (clock.Elapsed < window)
            {
                // Nothing is written meanwhile: only heartbeats keep bytes flowing. The stream must neither end nor go quiet.
                var next = await stream.NextAsync(FleetFixture.ProxyReadTimeout);
                Assert.True(next is not null, $"the stream ended after {clock.Elapsed.TotalSeconds:0.0} s");
                heartbeats += next.Value.EventType == SseEventTypes.Heartbeat ? 1 : 0;
                longestSilence = clock.Elapsed - last > longestSilence ? clock.Elapsed - last : longestSilence;
                last = clock.Elapsed;
            }

            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"Idle stream through nginx (proxy_read_timeout {FleetFixture.ProxyReadTimeout.TotalSeconds:0} s, heartbeat " +
                $"{FleetFixture.HeartbeatInterval.TotalSeconds:0} s): open for {clock.Elapsed.TotalSeconds:0.0} s, {heartbeats} heartbeats, " +
                $"longest silence {longestSilence.TotalMilliseconds:0} ms, one response throughout"));
            Assert.True(heartbeats >= 3, $"{heartbeats} heartbeats");
        }
        finally
        {
            await stream.DisposeAsync();
            client.Dispose();
        }
    }

    private static async Task<double> FirstEventAsync(Uri baseAddress)
    {
        var clock = Stopwatch.StartNew();
        var (client, stream) = await OpenAsync(baseAddress);
        try
        {
            _ = await stream.NextAsync() ?? throw new InvalidOperationException("The stream ended before its first event.");
            return clock.Elapsed.TotalMilliseconds;
        }
        finally
        {
            await stream.DisposeAsync();
            client.Dispose();
        }
    }

    private static async Task<(HttpClient Client, SseStream Stream)> OpenAsync(Uri baseAddress)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var stream = await SseStream.OpenAsync(client, "/api/v2/stream");
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        return (client, stream);
    }

    private static async Task RecordAsync(
        SseStream stream, string prefix, ConcurrentDictionary<string, double> arrivals, Stopwatch clock, CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested && await stream.NextAsync(TimeSpan.FromMinutes(2)) is { } e)
            {
                if (e.EventType == SentimentEventTypes.NewItem && SseStream.Json(e).GetProperty("item_id").GetString() is { } id && id.StartsWith(prefix, StringComparison.Ordinal))
                {
                    arrivals.TryAdd(id, clock.Elapsed.TotalMilliseconds);
                }
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or IOException or OperationCanceledException or HttpRequestException)
        {
            // The test disposed the stream.
        }
    }
}
