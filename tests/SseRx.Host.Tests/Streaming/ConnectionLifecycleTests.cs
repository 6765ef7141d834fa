using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Tests.Infrastructure;
using SseRx.InMemory;
using SseRx.Sentiment;

namespace SseRx.Host.Tests.Streaming;

/// <summary>How streams are admitted, released and ended: real sockets (Kestrel on loopback) where that matters.</summary>
public sealed class ConnectionLifecycleTests
{
    private static readonly Dictionary<string, string?> QuietHeartbeat = new() { ["HeartbeatInterval"] = "01:00:00" };

    [Fact]
    public async Task A_connect_storm_admits_exactly_the_limit()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?>(QuietHeartbeat) { ["MaxConnections"] = "50" }, kestrel: true);
        var client = app.NewClient();

        var streams = await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => app.OpenStreamAsync(client: client)));
        try
        {
            Assert.Equal(50, streams.Count(s => s.Response.StatusCode == HttpStatusCode.OK));
            Assert.Equal(150, streams.Count(s => s.Response.StatusCode == HttpStatusCode.ServiceUnavailable));
            Assert.Equal(50, app.Runtime.Gate.Active);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }

        await Eventually.TrueAsync(() => app.Runtime.Gate.Active == 0, "every admitted stream released its lease");
    }

    [Fact]
    public async Task A_vanished_client_is_unsubscribed_promptly_not_at_the_next_heartbeat()
    {
        // Heartbeats are an hour apart, so only noticing the aborted request can release these in time.
        await using var app = SseRxApp.Start(QuietHeartbeat, kestrel: true);
        var streams = new List<SseStream>();
        for (var i = 0; i < 3; i++)
        {
            var stream = await app.OpenStreamAsync(client: app.NewClient());
            await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
            streams.Add(stream);
        }

        Assert.Equal(3, app.Runtime.Gate.Active);
        Assert.Equal(3, app.Runtime.Journal.ReaderCount);
        Assert.Equal(6, app.Runtime.Clock.Count); // a heartbeat and a lifetime per stream, on the one shared timer

        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }

        await Eventually.TrueAsync(
            () => app.Runtime.Gate.Active == 0 && app.Runtime.Journal.ReaderCount == 0 && app.Runtime.Clock.Count == 0,
            "the vanished clients' subscriptions, leases and clock registrations were released",
            TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Shutdown_with_open_streams_ends_them_and_completes_within_seconds()
    {
        await using var app = SseRxApp.Start(QuietHeartbeat, kestrel: true);
        var streams = new List<SseStream>();
        for (var i = 0; i < 3; i++)
        {
            var stream = await app.OpenStreamAsync(client: app.NewClient());
            await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
            streams.Add(stream);
        }

        var stopwatch = Stopwatch.StartNew();
        await app.Host.StopAsync().WaitAsync(SseRxApp.Deadline);
        stopwatch.Stop();

        // The host waits up to its 5 s shutdown timeout for requests; streams that ended on ApplicationStopping do not make it wait.
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(3), $"StopAsync took {stopwatch.Elapsed}");
        foreach (var stream in streams)
        {
            await stream.ReadToEndAsync(TimeSpan.FromSeconds(5));
            Assert.True(stream.Ended);
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_store_is_polled_once_per_interval_whatever_the_connection_count()
    {
        var interval = TimeSpan.FromMilliseconds(200);
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?>(QuietHeartbeat) { ["PollInterval"] = "00:00:00.200" },
            services: services =>
            {
                services.AddSingleton(sp => new CountingSource(sp.GetRequiredService<InMemorySentimentStore>()));
                services.AddSingleton<IEntryLog<SentimentItem>>(sp => sp.GetRequiredService<CountingSource>());
            });
        var source = app.Services.GetRequiredService<CountingSource>();
        var streams = new List<SseStream>();
        for (var i = 0; i < 20; i++)
        {
            var stream = await app.OpenStreamAsync();
            await stream.NextOfTypeAsync(SseEventTypes.Metrics);
            streams.Add(stream);
        }

        const int Polls = 5;
        var start = source.Reads;
        var stopwatch = Stopwatch.StartNew();
        await Eventually.TrueAsync(() => source.Reads >= start + Polls, "the shared feed kept polling");
        stopwatch.Stop();

        // One poller needs at least Polls - 1 full intervals for Polls fetches; 20 pollers would need a fraction of one.
        Assert.True(
            stopwatch.Elapsed >= (Polls - 1) * interval * 0.9,
            $"{source.Reads - start} fetches in {stopwatch.Elapsed} with 20 streams: more than one poller");
        Assert.Equal(20, app.Runtime.Gate.Active);

        // The feed's own count (what /health reports as poll.fetches) is the store's: it counts a fetch just before
        // making it, so it may be one ahead of the store if a poll starts between the two reads.
        var storeFetches = source.Reads;
        Assert.InRange(app.Runtime.Feed.FetchCount - storeFetches, 0, 1);
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_that_falls_behind_is_dropped_and_released()
    {
        await using var app = SseRxApp.Start(new Dictionary<string, string?>(QuietHeartbeat) { ["ConsumerBufferCapacity"] = "16" });
        await using var slow = await app.OpenStreamAsync();
        await slow.NextOfTypeAsync(SseEventTypes.Metrics);

        // One poll delivers far more than the client's buffer holds while it reads nothing.
        for (var i = 0; i < 2000; i++)
        {
            app.AddItem();
        }

        await Eventually.TrueAsync(
            () => app.Runtime.Gate.Active == 0 && app.Runtime.Journal.ReaderCount == 0,
            "the slow client was dropped and its subscription released");
        await slow.ReadToEndAsync();
        Assert.True(slow.Received.Count(e => e.EventType == SseEventTypes.NewItem) < 2000, "the client was dropped before it got everything");
    }
}
