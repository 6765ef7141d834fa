// SseRx.Core as a library, over a data source of its own: poll it, detect changes, keep a replay journal, and give
// each client a stream that resumes from its Last-Event-ID, carries heartbeats and ends before a platform limit.
// The clock is virtual (HistoricalScheduler): two minutes of stream time run in an instant, the same way every run.
//
//   dotnet pack src/SseRx.Core -c Release -o artifacts/packages
//   dotnet run --project samples/SseRx.LibraryUsage
using System.Reactive.Concurrency;
using System.Reactive.Linq;
using SseRx;
using SseRx.LibraryUsage;

var start = new DateTimeOffset(2026, 1, 1, 9, 0, 0, TimeSpan.Zero);
var scheduler = new HistoricalScheduler(start);
var store = new PageViewStore();

// tour:start
// 1. Poll your store every 5 s on a scheduler. Fetches never overlap; a failed fetch backs off (up to 1 s, 2 s,
//    ... 60 s, jittered by default; exact here so every run prints the same) and never ends the stream; `health`
//    reports every change of state.
var health = new PollHealth();
var snapshots = SseObservable.Poll(
    store.ReadAsync, new PollOptions { Interval = TimeSpan.FromSeconds(5), BackoffJitter = false }, health, scheduler);

// 2. Change detection: a snapshot becomes an event only when it differs from the previous one. The event is
//    serialized once, here. Its id is a state id (poll time + state key "views"): a resume cursor, and what a new
//    client gets first (the latest state), which a slow client's buffer keeps only the latest of.
// 3. ShareSource: one poll per interval for the whole process, however many clients listen.
var events = snapshots
    .DistinctSnapshots()
    .Select(views => SseEvent.Create(
        "views", SseEventId.ForState(scheduler.Now, "views"), views, SampleJson.Default.PageViews))
    .ShareSource();

// 4. The journal keeps the last 100 events / 5 minutes for replay, and polls only while someone listens.
using var journal = events.ToJournal(new JournalOptions(), scheduler);

// 5. Admission control: at most 2 concurrent streams here (default 100).
var gate = new ConnectionGate(new ConnectionGateOptions { MaxConnections = 2 });

// 6. One client's stream: replay strictly after its Last-Event-ID, then live; a heartbeat at connect and every
//    30 s, whose id is the last resume point (the initial cursor for a new client until its first event); a clean
//    end after 1 minute, after which it resumes.
IObservable<SseEvent> Stream(string? lastEventId)
{
    var resumePoint = SseEventId.TryParse(lastEventId, out var id) ? id : SseEventId.Initial;
    return journal.ResumeFrom(lastEventId)
        .WithHeartbeat(
            TimeSpan.FromSeconds(30),
            last => SseEvents.Heartbeat(last?.Id ?? resumePoint, scheduler.Now, gate.Active),
            scheduler)
        .WithMaxLifetime(TimeSpan.FromMinutes(1), scheduler);
}
// tour:end

// What the clients do, on the virtual clock. Each prints what it receives, decoded from the wire frame.
var log = new Subscriber("--", scheduler, start);
var lastState = (PollState?)null;
using var healthLog = health.Subscribe(status =>
{
    // Every poll reports (its LastSuccess moves); print only the changes of state.
    if (status.State != lastState)
    {
        lastState = status.State;
        var why = status.LastError is { } error ? $" ({error.Message}); next attempt in {status.NextAttemptIn.TotalSeconds} s" : string.Empty;
        log.Print("..", $"poll health: {status.State}{why}");
    }
});

IDisposable? Connect(Subscriber client, string name, string? lastEventId)
{
    var lease = gate.TryEnter(name, out var refusal);
    if (lease is null)
    {
        client.Print(name, $"refused: {refusal} (a server answers 503 with Retry-After)");
        return null;
    }

    client.Print(name, lastEventId is null ? "connects" : $"connects with Last-Event-ID {lastEventId}");
    return Stream(lastEventId).Finally(lease.Dispose).Subscribe(client);
}

void At(int seconds, Action action) => scheduler.ScheduleAbsolute(start.AddSeconds(seconds), action);

var a = new Subscriber("A", scheduler, start);
var b = new Subscriber("B", scheduler, start);
var c = new Subscriber("C", scheduler, start);
var d = new Subscriber("D", scheduler, start);
IDisposable? streamA = null, streamB = null, streamD = null;
ConsumerBuffer? slowE = null;

At(0, () => streamA = Connect(a, "A", null));
At(1, () => streamB = Connect(b, "B", null));
At(2, () => Connect(c, "C", null));
At(3, () =>
{
    store.Visit("home");
    store.Visit("home");
    store.Visit("docs");
});
At(6, () =>
{
    log.Print("B", $"disconnects; its last id is {b.LastEventId}");
    streamB?.Dispose();
});
At(7, () => store.Visit("pricing"));
At(8, store.FailNextRead);
At(14, () => streamB = Connect(b, "B", b.LastEventId));
At(15, () => store.Visit("docs"));
At(61, () => streamA = Connect(a, "A", a.LastEventId));
At(80, () => streamD = Connect(d, "D", "not-an-id"));
At(85, () => streamD?.Dispose());
At(86, () =>
{
    // A client that reads slowly: its buffer keeps only the latest views and heartbeat (latest wins).
    var lease = gate.TryEnter("E", out _)!;
    log.Print("E", "connects, then reads nothing for 24 s");
    slowE = Stream(null).Finally(lease.Dispose).SubscribeBuffered(new ConsumerBufferOptions { Capacity = 8 });
});
At(88, () => store.Visit("home"));
At(93, () => store.Visit("home"));
At(98, () => store.Visit("pricing"));
var readByE = new List<string>();
At(110, () =>
{
    log.Print("E", $"reads {slowE!.Count} buffered events:");
    while (slowE.TryRead(out var e))
    {
        readByE.Add(e.Type);
        log.Print("E", Subscriber.Describe(e));
    }
});

scheduler.AdvanceTo(start.AddMinutes(2));
log.Print("--", $"the store was read {store.Reads} times for 5 clients: one poll per interval, not per client");
streamA?.Dispose();
streamB?.Dispose();
slowE?.Dispose();

// The test command runs this sample against the packed package; these checks make it fail if the package misbehaves.
var failures = new List<string>();
void Check(bool ok, string failure)
{
    if (!ok)
    {
        failures.Add(failure);
        Console.Error.WriteLine($"FAILED: {failure}");
    }
}

Check(b.Received.Contains("views 1767258011000-~views"), "B did not get the event it missed while away");
Check(d.Received.Any(e => e.StartsWith("resync ", StringComparison.Ordinal)), "D did not get a resync for a malformed id");
Check(readByE.SequenceEqual(["heartbeat", "views"]), $"E read [{string.Join(", ", readByE)}], not one heartbeat and the latest views");
Check(store.Reads <= 2 + (120 / 5), $"the store was read {store.Reads} times: more than once per interval");

return failures.Count == 0 ? 0 : 1;
