extern alias Host;

using System.Reactive.Concurrency;
using System.Reactive.Subjects;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Host::SseRx.Host.Sentiment;

namespace SseRx.Benchmarks;

/// <summary>
/// One event to every connection through the real per-connection chain the host builds:
/// journal -> ResumeFrom -> WithHeartbeat -> WithMaxLifetime -> ConsumerBuffer, then drained as the writer would.
/// "Allocated" per operation divided by <see cref="Subscribers"/> is the per-connection cost of one event.
/// </summary>
/// <remarks>
/// The scheduler is a <see cref="HistoricalScheduler"/> that never advances, so the shared <see cref="StreamClock"/> that
/// times heartbeats and lifetimes (as in the host) is armed but never fires during the measurement. The writer's wake-up (the continuation after
/// <see cref="ConsumerBuffer.WaitToReadAsync"/>) and the socket write are the host's part and are measured by the load
/// client, not here.
/// </remarks>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private const int EventPool = 100_000;

    private SseEvent[] _events = null!;
    private SentimentItem[] _items = null!;
    private Subject<SseEvent> _source = null!;
    private EventJournal _journal = null!;
    private ConsumerBuffer[] _buffers = null!;
    private int _next;

    [Params(1, 10_000)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _items ??= Enumerable.Range(0, EventPool).Select(SampleEvents.Item).ToArray();
        _events ??= _items.Select(SentimentEvents.NewItem).ToArray();
        _next = 0;

        var scheduler = new HistoricalScheduler(SampleEvents.Epoch);
        var clock = new StreamClock(scheduler); // one timer for all, as the host has
        _source = new Subject<SseEvent>();
        _journal = _source.ToJournal(new JournalOptions(), scheduler);
        var heartbeat = SseEvents.Heartbeat(SseEventId.AtTime(SampleEvents.Epoch), SampleEvents.Epoch, Subscribers);
        var bufferOptions = new ConsumerBufferOptions();
        _buffers = new ConsumerBuffer[Subscribers];
        for (var i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = _journal.ResumeFrom(null)
                .WithHeartbeat(TimeSpan.FromSeconds(30), _ => heartbeat, clock)
                .WithMaxLifetime(TimeSpan.FromHours(1), clock)
                .SubscribeBuffered(bufferOptions);
        }

        Drain(); // the connect heartbeats
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }

        _journal.Dispose();
    }

    /// <summary>SseRx: one pre-serialized event pushed once, every connection drains the same bytes.</summary>
    [Benchmark(Baseline = true)]
    public int SharedFrameToAll()
    {
        if (_next == EventPool)
        {
            // Out of fresh ids (never within a --job short run): rebuild rather than repeat ids.
            Cleanup();
            Setup();
        }

        _source.OnNext(_events[_next++]);
        return Drain();
    }

    /// <summary>For contrast, the stock pattern's core cost: the JSON serialized again for every connection.</summary>
    [Benchmark]
    public long SerializePerConnection()
    {
        var item = _items[_next++ % EventPool];
        long bytes = 0;
        for (var i = 0; i < Subscribers; i++)
        {
            bytes += JsonSerializer.SerializeToUtf8Bytes(item, SentimentJsonContext.Default.SentimentItem).Length;
        }

        return bytes;
    }

    private int Drain()
    {
        var read = 0;
        foreach (var buffer in _buffers)
        {
            while (buffer.TryRead(out var item) && item is not null)
            {
                read += item.Utf8.Length > 0 ? 1 : 0;
            }
        }

        return read;
    }
}
