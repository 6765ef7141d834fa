using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SseRx.AspNetCore;
using SseRx.Host.Observability;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// A slow reader: one client stops reading while others keep up at a high event rate. The silent one must be
/// dropped as a slow consumer (with the logged reason) once its bounded buffer overflows, its server-side footprint
/// must stay bounded, and the others must receive every event, in order.
/// </summary>
/// <remarks>
/// <para>
/// Three buffers sit between the server and a client that stops reading, and only the last is ours: the kernel's
/// (the client's receive buffer and the server's send buffer), then Kestrel's response pipe, which pauses the
/// writer's flush once <see cref="KestrelServerLimits.MaxResponseBufferSize"/> (64 KiB by default) is waiting, then
/// the connection's <see cref="ConsumerBuffer"/> (<c>ConsumerBufferCapacity</c> events). Our buffer only starts to
/// fill once the other two are full, so the client absorbs at most kernel buffers + 64 KiB (+ up to one flush of
/// <see cref="SseStreamOptions.MaxEventsPerFlush"/> events written before the pause) before it is dropped; the test asserts
/// exactly that bound. Only the 64 KiB pipe and the buffer's 32 event references are managed memory.
/// </para>
/// <para>
/// On loopback Linux autotunes a socket's send buffer up to <c>net.ipv4.tcp_wmem</c>'s maximum (4 MiB here), which
/// would let a silent client absorb megabytes of kernel memory before Kestrel's pipe even fills. The test pins the
/// listening socket's send buffer (accepted sockets inherit it) so that the drop comes after about 100 KiB instead,
/// within seconds; production keeps the kernel's autotuning, which is kernel memory, not the process's.
/// </para>
/// </remarks>
[Collection(ReliabilityCollection.Name)]
public sealed class SlowReaderTests(ITestOutputHelper output)
{
    private const int Capacity = 32;
    private const int FastClients = 3;
    private const int ServerSendBuffer = 16 * 1024;
    private const int SlowReceiveBuffer = 4 * 1024;
    private const long MemoryTolerance = 5 * 1024 * 1024;

    [Fact]
    public async Task A_client_that_stops_reading_is_dropped_as_a_slow_consumer_and_the_others_receive_every_event_in_order()
    {
        var logs = new LogCapture();
        var effectiveServerSendBuffer = 0;
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?>
            {
                ["PollInterval"] = "00:00:00.050",
                ["ConsumerBufferCapacity"] = Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            kestrel: true,
            services: services =>
            {
                LogCapture.AddTo(services, logs);
                services.Configure<SocketTransportOptions>(transport => transport.CreateBoundListenSocket = endpoint =>
                {
                    var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                    socket.SendBufferSize = ServerSendBuffer;
                    effectiveServerSendBuffer = socket.SendBufferSize;
                    return socket;
                });
            });
        var kestrelBuffer = app.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MaxResponseBufferSize ?? 0;

        var fast = new List<FastReader>();
        for (var i = 0; i < FastClients; i++)
        {
            fast.Add(await FastReader.StartAsync(app));
        }

        using var slow = await RawSocketClient.OpenAsync(app.BaseAddress, "/api/v2/stream", SlowReceiveBuffer);
        await slow.ReadHeadAsync();
        Assert.Equal(200, slow.StatusCode);
        await Eventually.TrueAsync(() => app.Gate.Active == FastClients + 1, "every client was admitted");
        var baseline = ManagedMemory();

        // 5 items every 25 ms (200/s) with ~100-character ids: about 70 KB/s per client, in batches of well under
        // the 32-event buffer, so a client that keeps up never overflows while the silent one soon does.
        var producer = ItemProducer.Start(app, TimeSpan.FromMilliseconds(25), perTick: 5, idPadding: 90);
        var stopwatch = Stopwatch.StartNew();
        long atDrop;
        long memoryAtDrop;
        int publishedAtDrop;
        try
        {
            try
            {
                await Eventually.TrueAsync(
                    () => logs.Entries.Any(IsSlowConsumerDrop),
                    "the silent client was dropped as a slow consumer",
                    TimeSpan.FromSeconds(60));
            }
            catch (Xunit.Sdk.XunitException)
            {
                output.WriteLine(
                    $"Not dropped after {stopwatch.Elapsed.TotalSeconds:0} s and {producer.Count} items: active {app.Gate.Active}, " +
                    $"journal readers {app.Runtime.Journal.ReaderCount} ({FastClients} clients keep up)");
                throw;
            }

            publishedAtDrop = producer.Count;
            atDrop = stopwatch.ElapsedMilliseconds;
            await Eventually.TrueAsync(
                () => app.Gate.Active == FastClients && app.Runtime.Journal.ReaderCount == FastClients,
                "the dropped client's lease and journal reader were released, and only those");
            memoryAtDrop = ManagedMemory();

            // Keep publishing a while after the drop: the others must not notice anything.
            await Eventually.TrueAsync(() => producer.Count >= publishedAtDrop + 200, "the producer kept publishing after the drop");
        }
        finally
        {
            await producer.StopAsync();
        }

        var published = producer.PublishedIds;
        foreach (var reader in fast)
        {
            reader.Expect(published.Count);
        }

        var fastIds = await Task.WhenAll(fast.Select(r => r.Completion));

        // Now read what the silent client was sent: Kestrel still delivers what it had buffered, then ends the response.
        await slow.ReadUntilAsync("\r\n0\r\n\r\n"u8.ToArray(), timeout: SseRxApp.Deadline);
        var (payload, terminated) = RawSocketClient.Dechunk(slow.RawBody);
        var slowEvents = await ParseAsync(payload);
        var slowIds = slowEvents.Where(e => e.EventType == SentimentEventTypes.NewItem).Select(e => SseStream.Json(e).GetProperty("item_id").GetString()!).ToList();
        var largestEvent = published.Max(id => id.Length) + 256;
        var bound = slow.Socket.ReceiveBufferSize + effectiveServerSendBuffer + kestrelBuffer + (new SseStreamOptions().MaxEventsPerFlush * largestEvent);

        output.WriteLine(
            $"Slow reader: dropped as SlowConsumer {atDrop} ms after publishing started, with {publishedAtDrop} items published; " +
            $"it had been sent {slowIds.Count} new_item events ({payload.Length} bytes, bound {bound} = client SO_RCVBUF {slow.Socket.ReceiveBufferSize} " +
            $"+ server SO_SNDBUF {effectiveServerSendBuffer} + Kestrel MaxResponseBufferSize {kestrelBuffer} + {new SseStreamOptions().MaxEventsPerFlush} events of <= {largestEvent} bytes); " +
            $"buffer capacity {Capacity} events. {FastClients} other clients each received {fastIds[0].Count}/{published.Count} items in order. " +
            $"Managed memory {Soak.Megabytes(baseline)} before, {Soak.Megabytes(memoryAtDrop)} at the drop ({Soak.Megabytes(memoryAtDrop - baseline)} delta)");

        foreach (var ids in fastIds)
        {
            Assert.Equal(published, ids);
        }

        // The silent client got a clean prefix of the stream: whole events, the items in order with no gap, then a proper end.
        Assert.True(terminated, "the dropped client's response was not ended with the final chunk");
        Assert.True(payload.AsSpan().EndsWith("\n\n"u8), "the dropped client's last event is incomplete");
        Assert.Equal(published.Take(slowIds.Count), slowIds);
        Assert.True(slowIds.Count < publishedAtDrop, "the silent client was sent everything, so nothing was bounded");
        Assert.InRange(payload.Length, 0, bound);
        Assert.True(memoryAtDrop - baseline < MemoryTolerance, $"managed memory grew by {Soak.Megabytes(memoryAtDrop - baseline)}");

        var drop = Assert.Single(logs.Entries, IsSlowConsumerDrop);
        Assert.Equal(LogLevel.Warning, drop.Level);
        Assert.Contains("closed (SlowConsumer)", drop.Message, StringComparison.Ordinal);

        foreach (var reader in fast)
        {
            await reader.DisposeAsync();
        }
    }

    // The stream lifecycle log (StreamTelemetry): StreamClosed with the end reason.
    private static bool IsSlowConsumerDrop(LogCapture.Entry entry) =>
        entry.Category == typeof(StreamTelemetry).FullName && entry.EventName == "StreamClosed" &&
        entry.Message.Contains("(SlowConsumer)", StringComparison.Ordinal);

    private static async Task<List<SseItem<string>>> ParseAsync(byte[] payload)
    {
        var events = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(new MemoryStream(payload), static (_, data) => Encoding.UTF8.GetString(data)).EnumerateAsync())
        {
            events.Add(item);
        }

        return events;
    }

    private static long ManagedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>A client that keeps up: reads continuously, keeping only the new_item ids, until it has the expected count.</summary>
    private sealed class FastReader : IAsyncDisposable
    {
        private readonly SseStream _stream;
        private readonly List<string> _ids = [];
        private int _expected = -1;

        private FastReader(SseStream stream)
        {
            _stream = stream;
            Completion = Task.Run(ReadAsync);
        }

        public Task<List<string>> Completion { get; }

        public static async Task<FastReader> StartAsync(SseRxApp app)
        {
            var stream = await app.OpenStreamAsync(client: app.NewClient());
            Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
            await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
            return new FastReader(stream);
        }

        public void Expect(int count) => Volatile.Write(ref _expected, count);

        public async ValueTask DisposeAsync() => await _stream.DisposeAsync();

        private async Task<List<string>> ReadAsync()
        {
            while (Volatile.Read(ref _expected) is var expected && (expected < 0 || _ids.Count < expected))
            {
                var next = await _stream.NextAsync() ?? throw new InvalidOperationException($"A fast client's stream ended after {_ids.Count} items.");
                if (next.EventType == SentimentEventTypes.NewItem)
                {
                    _ids.Add(SseStream.Json(next).GetProperty("item_id").GetString()!);
                }

                // Only the ids are kept, so the reader's own memory does not blur the server's.
                _stream.Received.Clear();
            }

            return _ids;
        }
    }
}
