// Order status updates streamed to browsers, on the SseRx.Core package alone: a customer's page follows one order on
// GET /orders/{id}/stream, the warehouse screen every order on GET /orders/stream, and the back office posts
// POST /orders/{id}/status {"status":"shipped"}. Both streams resume from Last-Event-ID. To run it, see README.md.
using System.Reactive.Concurrency;
using SseRx;
using SseRx.AspNetCore;
using SseRx.Orders;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProblemDetails();
builder.Services.AddSseRx();
var app = builder.Build();

// The updates, in the package's in-memory store, which stamps their positions (a real app would query its database).
var updates = new InMemoryEntryLog<StatusUpdate>(Scheduler.Default, update => update.Position);
var feed = new SseFeed<StatusUpdate>(
    updates,
    new SseFeedOptions<StatusUpdate> { ToEvent = StatusUpdate.ToEvent, Poll = new() { Interval = TimeSpan.FromMilliseconds(500) } },
    Scheduler.Default);

// One journal (one poll of the store) behind both streams; the per-order stream filters it by topic.
using var journal = feed.ToJournal(new JournalOptions { History = feed.History() }, Scheduler.Default);

app.MapPost("/orders/{id}/status", (string id, StatusInput input) => StatusUpdate.Statuses.Contains(input.Status)
    ? Results.Accepted(value: updates.Add(position => new StatusUpdate(position.Key, id, input.Status!, position.Timestamp)))
    : Results.ValidationProblem(new Dictionary<string, string[]> { ["status"] = [$"Must be one of: {string.Join(", ", StatusUpdate.Statuses)}."] }));
app.MapSseRx("/orders/stream", journal);
app.MapGet("/orders/{id}/stream", (string id) =>
    SseRxResults.Stream(journal, pipeline: events => events.WhereTopics(new HashSet<string> { id })));

app.Run();
