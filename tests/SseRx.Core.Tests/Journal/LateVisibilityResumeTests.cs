using SseRx.Tests.Testing;
using static SseRx.Tests.Events.TestEvents;

namespace SseRx.Tests.Journal;

/// <summary>
/// The resume model against late visibility, in virtual time: writers whose entries become readable up to the
/// visibility bound after their timestamp, several instances polling one store at different phases, fresh instances
/// (restarts), and a client that keeps switching between them with its last id. Every entry must arrive exactly once.
/// </summary>
public sealed class LateVisibilityResumeTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Delay = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    /// <summary>One process: its own feed and journal over the shared store, the store as its history.</summary>
    private sealed class Instance : IDisposable
    {
        public Instance(TestEntryLog log, TestScheduler scheduler, int recent = 5)
        {
            Feed = new SseFeed<TestEntry>(
                log,
                new SseFeedOptions<TestEntry>
                {
                    ToEvent = TestEntry.ToEvent,
                    Poll = new PollOptions { Interval = Interval },
                    Projection = new CountProjection(TimeSpan.FromMinutes(10)),
                    RecentEntries = recent,
                },
                scheduler);
            Journal = Feed.ToJournal(new JournalOptions { Capacity = 20, RecentEntries = recent, History = Feed.History() }, scheduler);
        }

        public SseFeed<TestEntry> Feed { get; }

        public EventJournal Journal { get; }

        public void Dispose() => Journal.Dispose();
    }

    /// <summary>A client that reads from one instance at a time and resumes elsewhere with its last id.</summary>
    private sealed class Client : IObserver<SseEvent>
    {
        private IDisposable? _subscription;

        public List<SseEventId> Entries { get; } = [];

        public int Resyncs { get; private set; }

        public string? LastEventId { get; private set; }

        public SseEventId? LastId { get; private set; }

        public bool IdsIncrease { get; private set; } = true;

        public void Connect(EventJournal journal)
        {
            _subscription?.Dispose();
            _subscription = journal.ResumeFrom(LastEventId).Subscribe(this);
        }

        public void Disconnect() => _subscription?.Dispose();

        public void OnNext(SseEvent value)
        {
            if (value.Type == SseEventTypes.Resync)
            {
                Resyncs++;
            }
            else if (LastId is { } last && value.Id <= last)
            {
                IdsIncrease = false;
            }

            if (value.Id.IsEntry)
            {
                Entries.Add(value.Id);
            }

            LastId = value.Id;
            LastEventId = value.Id.ToString();
        }

        public void OnError(Exception error) => throw error;

        public void OnCompleted()
        {
        }
    }

    [Fact]
    public void A_client_switching_between_instances_and_restarts_at_poll_boundaries_gets_every_late_entry_exactly_once()
    {
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(1_000_000));
        var log = new TestEntryLog(scheduler, Delay);
        var random = new Random(2026);

        // Two long-lived instances, polling half an interval apart; a third is restarted now and then.
        var a = new Instance(log, scheduler);
        var b = new Instance(log, scheduler);
        var instances = new List<Instance> { a, b };
        var keepers = new List<IDisposable> { a.Journal.ResumeFrom(null).Subscribe(_ => { }) };
        scheduler.AdvanceBy(Interval.Ticks / 2);
        keepers.Add(b.Journal.ResumeFrom(null).Subscribe(_ => { }));

        var client = new Client();
        client.Connect(a.Journal);
        var connected = a;
        Instance? restarted = null;
        var switches = 0;
        var restarts = 0;

        // Writers: 20 entries a second, each readable 0-300 ms after its timestamp (some of them in the same millisecond).
        var next = 0;
        for (var step = 0; step < 4_000; step++)
        {
            var now = scheduler.Now.ToUnixTimeMilliseconds();
            log.Write(new TestEntry($"w{next++:D6}", now), TimeSpan.FromMilliseconds(random.Next(0, 301)));
            if (random.Next(4) == 0)
            {
                log.Write(new TestEntry($"w{next++:D6}", now), TimeSpan.FromMilliseconds(random.Next(0, 301)));
            }

            // Every ~8 steps, cut the client and resume it elsewhere: another instance, or a process that has just started.
            if (step % 8 == 7)
            {
                switches++;
                var choice = random.Next(10);
                if (choice == 0)
                {
                    restarted?.Dispose();
                    restarted = new Instance(log, scheduler);
                    connected = restarted;
                    restarts++;
                }
                else
                {
                    connected = ReferenceEquals(connected, a) ? b : a;
                }

                client.Connect(connected.Journal);
            }

            scheduler.AdvanceBy(Ms(random.Next(20, 80)));
        }

        // Let everything settle, on whichever instance the client ended on.
        scheduler.AdvanceBy(Ms(5_000));
        client.Disconnect();

        var written = log.All().Select(e => e.Id).ToList();
        var duplicates = client.Entries.GroupBy(id => id).Count(g => g.Count() > 1);
        var lost = written.Except(client.Entries).Count();
        output.WriteLine(
            $"Virtual time: {switches} switches ({restarts} to a freshly started instance), {written.Count} entries each readable " +
            $"0-300 ms late (bound 300 ms); received {client.Entries.Count}; lost {lost}, duplicated {duplicates}, resyncs {client.Resyncs}");
        Assert.True(switches >= 200, $"Only {switches} switches.");
        Assert.Equal(0, lost);
        Assert.Equal(0, duplicates);
        Assert.Equal(0, client.Resyncs);
        Assert.True(client.IdsIncrease, "The ids a client receives must increase.");
        Assert.Equal(written, client.Entries);

        foreach (var keeper in keepers)
        {
            keeper.Dispose();
        }

        restarted?.Dispose();
        instances.ForEach(i => i.Dispose());
    }

    [Fact]
    public void A_cursor_taken_from_a_state_event_right_before_a_late_entry_became_readable_still_gets_that_entry()
    {
        // The defect this model exists for: an entry stamped before a cursor, readable only after it was issued.
        var scheduler = new TestScheduler();
        scheduler.AdvanceTo(Ms(1_000_000));
        var log = new TestEntryLog(scheduler, Delay);
        var a = new Instance(log, scheduler);
        var b = new Instance(log, scheduler);
        using var keepA = a.Journal.ResumeFrom(null).Subscribe(_ => { });
        scheduler.AdvanceBy(Ms(1));
        log.Write(new TestEntry("other", 1_000_010));
        scheduler.AdvanceTo(Ms(1_000_400));

        // Stamped at 1,000,450 ms; readable only from 1,000,700 ms.
        log.Write(new TestEntry("late", 1_000_450), TimeSpan.FromMilliseconds(250));
        var client = new Client();
        client.Connect(a.Journal);
        scheduler.AdvanceTo(Ms(1_000_600));

        // The poll at 1,000,500 ms emitted state at watermark 1,000,199 ms: the client's cursor is before the late entry.
        Assert.True(client.LastId < SseEventId.Parse("0000001000450-late"));

        // A ends abruptly; the client resumes on B, which has not polled yet (a fresh process).
        client.Disconnect();
        a.Dispose();
        using var keepB = b.Journal.ResumeFrom(null).Subscribe(_ => { });
        client.Connect(b.Journal);
        scheduler.AdvanceTo(Ms(1_002_000));

        Assert.Contains(SseEventId.Parse("0000001000450-late"), client.Entries);
        Assert.Single(client.Entries, SseEventId.Parse("0000001000450-late"));
        Assert.Equal(0, client.Resyncs);
        b.Dispose();
    }
}
