using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// The order of a graceful shutdown, step by step on a real socket: readiness fails and new streams are refused as
/// soon as shutdown starts, while the open streams keep streaming; they end only once the listener refuses connections,
/// so a proxy's reconnect goes to another instance.
/// </summary>
public sealed class ShutdownOrderTests
{
    [Fact]
    public async Task Shutdown_fails_readiness_and_refuses_new_streams_first_and_ends_open_streams_after_the_listener_closed()
    {
        // A hosted service that takes its time to stop holds the shutdown between its first step (ApplicationStopping)
        // and the server's stop (the web host stops last), so each step can be seen from outside.
        var pause = new PausedStop();
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?> { ["HeartbeatInterval"] = "01:00:00" },
            kestrel: true,
            services: services => services.AddSingleton<IHostedService>(pause));
        var streams = new List<SseStream>();
        for (var i = 0; i < 3; i++)
        {
            var stream = await app.OpenStreamAsync(client: app.NewClient());
            await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
            streams.Add(stream);
        }

        var stopping = app.Host.StopAsync();
        await pause.Reached.WaitAsync(SseRxApp.Deadline);

        using (var health = await app.NewClient().GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            Assert.Equal("stopping", body.RootElement.GetProperty("status").GetString());
        }

        using (var refused = await app.NewClient().GetAsync("/api/v2/stream"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        }

        // The open streams are still live: an item written now reaches each of them.
        var item = app.AddItem();
        foreach (var stream in streams)
        {
            var received = await stream.NextOfTypeAsync(SentimentEventTypes.NewItem);
            Assert.Equal(item.EventId.ToString(), received.EventId);
        }

        pause.Release();
        await streams[0].ReadToEndAsync();
        Assert.True(streams[0].Ended, "the stream ended with its closing chunk");

        // The first stream has ended: by now the listener must refuse a new connection.
        var endpoint = new IPEndPoint(IPAddress.Loopback, app.BaseAddress.Port);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var connect = await Record.ExceptionAsync(() => socket.ConnectAsync(endpoint).WaitAsync(SseRxApp.Deadline));
        Assert.Equal(SocketError.ConnectionRefused, Assert.IsType<SocketException>(connect).SocketErrorCode);

        foreach (var stream in streams.Skip(1))
        {
            await stream.ReadToEndAsync();
            Assert.True(stream.Ended, "every stream ended with its closing chunk");
        }

        await stopping.WaitAsync(SseRxApp.Deadline);
        foreach (var stream in streams)
        {
            await stream.DisposeAsync();
        }
    }

    /// <summary>A hosted service whose stop waits until the test releases it.</summary>
    private sealed class PausedStop : IHostedService
    {
        private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Reached => _reached.Task;

        public void Release() => _released.TrySetResult();

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken)
        {
            _reached.TrySetResult();
            return _released.Task.WaitAsync(cancellationToken);
        }
    }
}
