using System.Reactive.Concurrency;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using SseRx.Host.Tests.Infrastructure;

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
            Assert.Equal(50, app.Gate.Active);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }

        await Eventually.TrueAsync(() => app.Gate.Active == 0, "every admitted stream released its lease");
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

        Assert.Equal(3, app.Gate.Active);
        Assert.Equal(3, app.Runtime.Journal.ReaderCount);
        Assert.Equal(6, app.Clock.Count); // a heartbeat and a lifetime per stream, on the one shared timer

        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }

        await Eventually.TrueAsync(
            () => app.Gate.Active == 0 && app.Runtime.Journal.ReaderCount == 0 && app.Clock.Count == 0,
            "the vanished clients' subscriptions, leases and clock registrations were released",
            TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Shutdown_with_open_streams_ends_them_and_does_not_wait_for_the_shutdown_timeout()
    {
        // A shutdown timeout no test waits for: StopAsync returning at all shows the streams ended on
        // ApplicationStopping instead of holding the host until the timeout. The deadline is only a hang guard.
        await using var app = SseRxApp.Start(
            QuietHeartbeat,
            kestrel: true,
            services: services => services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromMinutes(10)));
        var streams = new List<SseStream>();
        for (var i = 0; i < 3; i++)
        {
            var stream = await app.OpenStreamAsync(client: app.NewClient());
            await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
            streams.Add(stream);
        }

        await app.Host.StopAsync().WaitAsync(SseRxApp.Deadline);

        foreach (var stream in streams)
        {
            await stream.ReadToEndAsync(SseRxApp.Deadline);
            Assert.True(stream.Ended);
            await stream.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_store_is_polled_once_per_interval_whatever_the_connection_count()
    {
        // The whole app runs on fake time; the interval is one no other timer of the app uses.
        var interval = TimeSpan.FromSeconds(7);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var scheduler = new TimeProviderScheduler(time);
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?>(QuietHeartbeat) { ["PollInterval"] = "00:00:07" },
            services: services =>
            {
                services.AddSingleton<TimeProvider>(time);
                services.AddSingleton<IScheduler>(scheduler);
                services.AddSingleton(sp => new CountingSource(sp.GetRequiredService<InMemorySentimentStore>()));
                services.AddSingleton<IEntryLog<SentimentItem>>(sp => sp.GetRequiredService<CountingSource>());
            });
        var source = app.Services.GetRequiredService<CountingSource>();
        var streams = new List<SseStream>();
        for (var i = 0; i < 20; i++)
        {
            var stream = await app.OpenStreamAsync();
            await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
            streams.Add(stream);
        }

        var start = source.Reads;
        for (var poll = 1; poll <= 5; poll++)
        {
            // One poller for 20 streams: exactly one next poll is armed, whatever the stream count.
            await Eventually.TrueAsync(() => scheduler.PendingWith(interval) >= 1, "the next poll was scheduled");
            Assert.Equal(1, scheduler.PendingWith(interval));

            time.Advance(interval);
            await Eventually.TrueAsync(() => source.Reads >= start + poll, $"poll {poll} fetched from the store");
            Assert.Equal(start + poll, source.Reads);
        }

        Assert.Equal(20, app.Gate.Active);

        // The feed's own count (what /health reports as poll.fetches) is the store's.
        Assert.Equal(source.Reads, app.Runtime.Feed.FetchCount);
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
        await slow.NextOfTypeAsync(SentimentEventTypes.Metrics);

        // One poll delivers far more than the client's buffer holds while it reads nothing.
        for (var i = 0; i < 2000; i++)
        {
            app.AddItem();
        }

        await Eventually.TrueAsync(
            () => app.Gate.Active == 0 && app.Runtime.Journal.ReaderCount == 0,
            "the slow client was dropped and its subscription released");
        await slow.ReadToEndAsync();
        Assert.True(slow.Received.Count(e => e.EventType == SentimentEventTypes.NewItem) < 2000, "the client was dropped before it got everything");
    }
}
