extern alias Host;

using System.Reactive.Concurrency;
using System.Reactive.Subjects;
using BenchmarkDotNet.Attributes;
using Host::SseRx.Host.Sentiment;

namespace SseRx.Benchmarks;

/// <summary>
/// One connection arriving and leaving through the host's per-connection chain while other connections are open:
/// what a connect costs in time and bytes (most of those bytes stay alive for the connection's lifetime), and whether
/// that cost grows with the number of connections already open.
/// </summary>
[MemoryDiagnoser]
public class ConnectBenchmarks
{
    private readonly ConsumerBufferOptions _bufferOptions = new();
    private HistoricalScheduler _scheduler = null!;
    private Subject<SseEvent> _source = null!;
    private EventJournal _journal = null!;
    private SseEvent _heartbeat = null!;
    private StreamClock _clock = null!;
    private List<ConsumerBuffer> _open = null!;

    [Params(0, 10_000)]
    public int AlreadyOpen { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _scheduler = new HistoricalScheduler(SampleEvents.Epoch);
        _clock = new StreamClock(_scheduler); // one timer for all, as the host has
        _source = new Subject<SseEvent>();
        _journal = _source.ToJournal(new JournalOptions(), _scheduler);
        _heartbeat = SseEvents.Heartbeat(SseEventId.AtTime(SampleEvents.Epoch), SampleEvents.Epoch, AlreadyOpen);
        _source.OnNext(SentimentEvents.Metrics(SampleEvents.Metrics(100), SampleEvents.Epoch));
        _open = [];
        for (var i = 0; i < AlreadyOpen; i++)
        {
            _open.Add(Connect());
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var buffer in _open)
        {
            buffer.Dispose();
        }

        _journal.Dispose();
    }

    /// <summary>Subscribe the chain (connect heartbeat + latest metrics replayed), read both, dispose.</summary>
    [Benchmark]
    public int ConnectAndLeave()
    {
        using var buffer = Connect();
        var read = 0;
        while (buffer.TryRead(out _))
        {
            read++;
        }

        return read;
    }

    private ConsumerBuffer Connect() =>
        _journal.ResumeFrom(null)
            .WithHeartbeat(TimeSpan.FromSeconds(30), _ => _heartbeat, _clock)
            .WithMaxLifetime(TimeSpan.FromHours(1), _clock)
            .SubscribeBuffered(_bufferOptions);
}
