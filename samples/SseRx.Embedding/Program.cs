// An ASP.NET Core app of its own that mounts an SseRx stream next to its own endpoints, over its own data: product
// reviews posted to POST /reviews show up live on GET /reviews/stream as `review` events, followed by a `stats` state
// event (how many reviews, their average rating), which a new client also gets at connect.
//
//   dotnet pack src/SseRx.Core -c Release -o artifacts/packages
//   dotnet run --project samples/SseRx.Embedding --urls http://localhost:5090
//   curl -N http://localhost:5090/reviews/stream
//   curl -X POST http://localhost:5090/reviews -H 'Content-Type: application/json' -d '{"product":"kettle-2","rating":5}'
using System.Reactive.Concurrency;
using SseRx;
using SseRx.AspNetCore;
using SseRx.Embedding;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProblemDetails();
builder.Services.AddSseRx(sse => sse.Stream.HeartbeatInterval = TimeSpan.FromSeconds(15));
var app = builder.Build();

// The app's reviews, in the package's in-memory store (a real app would implement IEntryLog<Review> over its
// database), and a feed that polls it once a second for the whole process, however many clients listen.
var reviews = new InMemoryEntryLog<Review>(Scheduler.Default, review => review.Position);
var feed = new SseFeed<Review>(
    reviews,
    new SseFeedOptions<Review>
    {
        ToEvent = ReviewEvents.ToEvent,
        Projection = new ReviewStats(),
        Poll = new PollOptions { Interval = TimeSpan.FromSeconds(1) },
    },
    Scheduler.Default);

app.MapPost("/reviews", (ReviewInput input) => input.Validate() is { } problem
    ? Results.ValidationProblem(new Dictionary<string, string[]> { [problem.Field] = [problem.Reason] })
    : Results.Accepted(value: reviews.Add(position => Review.Create(input, position))));
app.MapSseRx("/reviews/stream", feed);

app.Run();
