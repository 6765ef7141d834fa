using System.Reactive.Concurrency;
using System.Reactive.Subjects;
using BenchmarkDotNet.Attributes;

namespace SseRx.Benchmarks;

/// <summary>Appending to the journal (one reader attached, so it is hot) and resuming from an id it holds.</summary>
[MemoryDiagnoser]
public class JournalBenchmarks
{
    private const int Appends = 1_000;
    private const int EventPool = 100_000;

    private Subject<SseEvent> _source = null!;
    private EventJournal _journal = null!;
    private IDisposable _reader = null!;
    private SseEvent[] _events = null!;
    private string _midpoint = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        // A clock that never moves: MaxAge never evicts, so every iteration sees the same journal shape.
        var scheduler = new HistoricalScheduler(SampleEvents.Epoch);
        _source = new Subject<SseEvent>();
        _journal = _source.ToJournal(new JournalOptions { Capacity = 100 }, scheduler);
        _reader = _journal.ResumeFrom(null).Subscribe(static _ => { });

        // Ids keep increasing within a journal's life; when the pool runs out Append starts a new journal.
        _events ??= SampleEvents.NewItems(EventPool);
        for (var i = 0; i < 100; i++)
        {
            _source.OnNext(_events[_next++]);
        }

        _midpoint = _events[_next - 50].Id.ToString();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _reader.Dispose();
        _journal.Dispose();
    }

    /// <summary>Appends 1,000 events to a full journal of 100 (each evicts the oldest) with one live reader.</summary>
    [Benchmark(OperationsPerInvoke = Appends)]
    public void Append()
    {
        if (_next + Appends > _events.Length)
        {
            // Out of fresh ids: start a new journal rather than repeat ids. Once per 99 invocations, so its cost
            // (a journal, a subscription and 100 appends) adds about 1 % to the time and a few bytes per append.
            Cleanup();
            _next = 0;
            Setup();
        }

        for (var i = 0; i < Appends; i++)
        {
            _source.OnNext(_events[_next++]);
        }
    }

    /// <summary>Subscribes from an id 50 events back (replays 49, then goes live) and unsubscribes.</summary>
    [Benchmark]
    public int ResumeFromMidpoint()
    {
        var count = 0;
        using (_journal.ResumeFrom(_midpoint).Subscribe(_ => count++))
        {
        }

        return count;
    }

    /// <summary>A new client: the latest metrics (none here), then live.</summary>
    [Benchmark]
    public int ResumeFromNothing()
    {
        var count = 0;
        using (_journal.ResumeFrom(null).Subscribe(_ => count++))
        {
        }

        return count;
    }
}
