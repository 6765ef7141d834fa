// The app the contract tests start: SseRx.Core from the packed package and nothing else of the repository, over data
// of its own (sensor measurements). Two streams over one journal: every measurement, and one sensor's.
//   POST /measurements {"sensor":"s1","value":21.5}  -> 202 {"id": "<the event id>"}
//   GET  /measurements/stream                        -> measurement events and the count state event
//   GET  /sensors/{sensor}/stream                    -> the same, only that sensor's measurements
//   GET  /readers                                    -> how many streams read the journal now
// Limits come from the command line or the environment, e.g. --SseRx:MaxConnections=2
// --SseRx:Stream:HeartbeatInterval=00:00:01 --SseRx:Stream:MaxLifetime=00:00:02 (SseRx__MaxConnections=2).
using System.Reactive.Concurrency;
using SseRx;
using SseRx.AspNetCore;
using SseRx.Package.App;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProblemDetails();
builder.Services.AddSseRx(options => builder.Configuration.GetSection("SseRx").Bind(options));
var app = builder.Build();

var measurements = new InMemoryEntryLog<Measurement>(Scheduler.Default, measurement => measurement.Position);
var feed = new SseFeed<Measurement>(
    measurements,
    new SseFeedOptions<Measurement>
    {
        ToEvent = Measurement.ToEvent,
        Projection = new MeasurementCount(),
        Poll = new PollOptions { Interval = app.Configuration.GetValue("PollInterval", TimeSpan.FromMilliseconds(100)) },
    },
    Scheduler.Default);
using var journal = feed.ToJournal(new JournalOptions { History = feed.History() }, Scheduler.Default);

app.MapPost("/measurements", (MeasurementInput input) => input.Validate() is { } problem
    ? Results.ValidationProblem(new Dictionary<string, string[]> { [problem.Field] = [problem.Reason] })
    : Results.Accepted(value: new { id = measurements.Add(position => Measurement.Create(input, position)).Position.ToString() }));
app.MapGet("/readers", () => journal.ReaderCount);
app.MapSseRx("/measurements/stream", journal);
app.MapGet("/sensors/{sensor}/stream", (string sensor) =>
    SseRxResults.Stream(journal, pipeline: events => events.WhereTopics(new HashSet<string> { sensor })));

app.Run();
