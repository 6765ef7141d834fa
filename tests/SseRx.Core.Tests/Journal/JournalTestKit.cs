using System.Reactive.Subjects;
using SseRx.Tests.Testing;
using static SseRx.Tests.Events.TestEvents;

namespace SseRx.Tests.Journal;

/// <summary>Builders for journal tests: entry and state events at chosen positions, batches, and a recording reader.</summary>
internal static class JournalTestKit
{
    public static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    /// <summary>An entry event at <c>{ms}-{key}</c>.</summary>
    public static SseEvent E(long ms, string key, string topic = "A") => TestEntry.ToEvent(new TestEntry(key, ms, topic));

    /// <summary>A state event at <c>{ms}-~{stateKey}</c>.</summary>
    public static SseEvent S(long ms, string stateKey, int value = 1) =>
        SseEvent.Create("count", SseEventId.ForState(At(ms), stateKey), value, TestEntryJson.Default.Int32);

    /// <summary>The watermark cursor <c>{ms}-~</c>.</summary>
    public static SseEventId W(long ms) => SseEventId.Settled(At(ms));

    public static SseBatch B(SseEventId? after, SseEventId through, params SseEvent[] events) => new(after, through, events);

    public static string[] Ids(this IEnumerable<SseEvent> events) => [.. events.Select(e => e.Id.ToString())];

    /// <summary>A scheduler at <paramref name="ms"/>, a subject standing in for the feed, and a journal over it.</summary>
    public static (TestScheduler Scheduler, Subject<SseBatch> Feed, EventJournal Journal) NewJournal(JournalOptions? options = null, long ms = 100_000)
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(ms));
        var feed = new Subject<SseBatch>();
        return (scheduler, feed, feed.ToJournal(options ?? new JournalOptions(), scheduler));
    }
}

/// <summary>Records what a reader receives, and how it ended.</summary>
internal sealed class Reader : IObserver<SseEvent>
{
    private readonly Lock _gate = new();
    private readonly List<SseEvent> _events = [];

    public IReadOnlyList<SseEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    public string[] Ids => JournalTestKit.Ids(Events);

    public bool Completed { get; private set; }

    public Exception? Error { get; private set; }

    public Action<SseEvent>? OnEvent { get; set; }

    public IDisposable Subscription { get; private set; } = System.Reactive.Disposables.Disposable.Empty;

    public static Reader Of(EventJournal journal, string? lastEventId)
    {
        var reader = new Reader();
        reader.Subscription = journal.ResumeFrom(lastEventId).Subscribe(reader);
        return reader;
    }

    public void OnNext(SseEvent value)
    {
        lock (_gate)
        {
            _events.Add(value);
        }

        OnEvent?.Invoke(value);
    }

    public void OnError(Exception error) => Error = error;

    public void OnCompleted() => Completed = true;
}
