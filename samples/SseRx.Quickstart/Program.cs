using System.Reactive.Linq;
using SseRx;
using SseRx.AspNetCore;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSseRx(); // admission limits, heartbeats, the slow-consumer policy: defaults you can change
var app = builder.Build();

// Any IObservable<SseEvent>. An id is a time and a key, increasing: a client that reconnects with it resumes after it.
var counts = Observable.Interval(TimeSpan.FromSeconds(1))
    .Select(n => SseEvent.Create("count", SseEventId.Create(DateTimeOffset.UtcNow, $"n{n}"), $"{n}"));

app.MapSseRx("/events", counts); // GET /events: text/event-stream, Last-Event-ID resume, heartbeats
app.Run();
