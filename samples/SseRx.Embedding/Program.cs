// An ASP.NET Core app of its own that mounts SseRx streams in its pipeline, next to its own endpoints and over its
// own data: reviews posted to POST /reviews show up live on GET /live/stream (new_item, sentiment_update, metrics).
//
//   dotnet pack src/SseRx.Core -c Release -o artifacts/packages
//   dotnet run --project samples/SseRx.Embedding --urls http://localhost:5090
//   curl -N http://localhost:5090/live/stream
//   curl -X POST http://localhost:5090/reviews -H 'Content-Type: application/json' -d '{"product":"WIDGET","score":0.8}'
using SseRx.Embedding;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<ReviewStore>();
builder.Services.AddSseRx<ReviewStore>(sse => sse.PollInterval = TimeSpan.FromSeconds(1));
builder.Services.AddProblemDetails();

var app = builder.Build();

app.MapGet("/", () => "Reviews: POST /reviews {\"product\":\"WIDGET\",\"score\":0.8}; live stream: GET /live/stream");
app.MapPost("/reviews", (ReviewInput review, ReviewStore store) =>
    store.Add(review) is { } problem
        ? Results.ValidationProblem(new Dictionary<string, string[]> { [problem.Field] = [problem.Reason] })
        : Results.Accepted());
app.MapSseRx("/live");

app.Run();
