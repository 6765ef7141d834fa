using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace SseRx.StockBaseline;

/// <summary>
/// Not a baseline to compare against but a floor: the least work any Kestrel server can do to broadcast a batch.
/// Every <c>--floor-batches-per-second</c> (default 10) one pre-built batch of three events (about the size of
/// SseRx's batch at 10 items/s: a <c>new_item</c>, a <c>metrics</c> and a <c>sentiment_update</c>) is copied into
/// every open response and flushed: no serialization, no channel, no per-connection task, the connections split
/// across one worker per core. Its broadcast spread is what the machine, the kernel and Kestrel's HTTP/1.1 response
/// path cost at that stream count, before any server logic.
/// </summary>
internal sealed class FloorFanout(IConfiguration configuration, ILogger<FloorFanout> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<Subscriber, byte> _subscribers = new();

    public int Count => _subscribers.Count;

    /// <summary>Holds the response open and in the broadcast until the client leaves.</summary>
    public async Task StreamAsync(HttpContext context)
    {
        context.Response.ContentType = "text/event-stream";
        var writer = context.Response.BodyWriter;
        writer.Write(": open\n\n"u8);
        await writer.FlushAsync(context.RequestAborted);
        var subscriber = new Subscriber(writer);
        _subscribers.TryAdd(subscriber, 0);
        try
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _subscribers.TryRemove(subscriber, out _);
            subscriber.Closed = true;
            // The response ends once no worker is writing to it.
            await subscriber.Idle.WaitAsync(CancellationToken.None);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rate = configuration.GetValue("floor-batches-per-second", 10.0);
        if (rate <= 0)
        {
            throw new InvalidOperationException("--floor-batches-per-second must be positive.");
        }

        logger.LogInformation("Floor fan-out: {Rate} batches per second", rate);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate));
        long batch = 0;
        var workers = Environment.ProcessorCount;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            if (_subscribers.IsEmpty)
            {
                continue;
            }

            var subscribers = _subscribers.Keys.ToArray();
            var payload = Batch(batch++);
            var tasks = new Task[workers];
            for (var w = 0; w < workers; w++)
            {
                var first = w;
                tasks[w] = Task.Run(() => Send(subscribers, first, workers, payload), CancellationToken.None);
            }

            await Task.WhenAll(tasks);
        }
    }

    /// <summary>Writes and flushes the batch to every <paramref name="step"/>-th subscriber from <paramref name="first"/>.</summary>
    private static void Send(Subscriber[] subscribers, int first, int step, byte[] payload)
    {
        for (var i = first; i < subscribers.Length; i += step)
        {
            var subscriber = subscribers[i];
            // A client still behind on the last batch (its flush has not completed) skips this one.
            if (!subscriber.Idle.Wait(0))
            {
                continue;
            }

            if (subscriber.Closed)
            {
                subscriber.Idle.Release();
                continue;
            }

            try
            {
                subscriber.Writer.Write(payload);
                var flush = subscriber.Writer.FlushAsync();
                if (flush.IsCompletedSuccessfully)
                {
                    subscriber.Idle.Release();
                }
                else
                {
                    _ = ReleaseWhenFlushedAsync(subscriber, flush);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException)
            {
                subscriber.Idle.Release();
            }
        }
    }

    private static async Task ReleaseWhenFlushedAsync(Subscriber subscriber, ValueTask<FlushResult> flush)
    {
        try
        {
            await flush;
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or IOException or OperationCanceledException)
        {
        }
        finally
        {
            subscriber.Idle.Release();
        }
    }

    /// <summary>Three events with ids unique to the batch, about 190 bytes each, as SseRx's are at 10 items/s.</summary>
    private static byte[] Batch(long batch)
    {
        var now = DateTimeOffset.UtcNow;
        var ms = now.ToUnixTimeMilliseconds();
        var text = string.Create(CultureInfo.InvariantCulture, $$"""
            id: {{ms:D13}}-floor-{{batch:D8}}
            event: new_item
            data: {"item_id":"floor-{{batch:D8}}","ticker":"AAPL","sentiment":"positive","score":0.412,"timestamp":"{{now:O}}"}

            id: {{ms:D13}}-floor-{{batch:D8}}-m
            event: metrics
            data: {"total_items":{{batch}},"positive":1,"neutral":0,"negative":0,"average_score":0.412,"updated":"{{now:O}}"}

            id: {{ms:D13}}-floor-{{batch:D8}}-s
            event: sentiment_update
            data: {"ticker":"AAPL","sentiment":"positive","score":0.412,"count":{{batch}}}


            """);
        return Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\n"));
    }

    private sealed class Subscriber(PipeWriter writer)
    {
        public PipeWriter Writer { get; } = writer;

        public SemaphoreSlim Idle { get; } = new(1, 1);

        public volatile bool Closed;
    }
}
