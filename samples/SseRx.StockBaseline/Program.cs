// The stock baseline for the load comparison: what a .NET developer would write with plain ASP.NET Core 10.
// A timer produces new_item events at a set rate; every connection gets a bounded Channel<T>, and
// TypedResults.ServerSentEvents serializes each event to JSON once per connection. No SseRx code is used.
//
//   dotnet samples/SseRx.StockBaseline/bin/Release/net10.0/SseRx.StockBaseline.dll --urls http://127.0.0.1:5090 --events-per-second 10
//
// It also serves two floors, which are not baselines: /api/v2/floor (an idle response) and /api/v2/floor-fanout (the
// least work of a broadcast, see FloorFanout).
using SseRx.StockBaseline;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<Broadcaster>();
builder.Services.AddHostedService<ItemProducer>();
builder.Services.AddSingleton<FloorFanout>();
builder.Services.AddHostedService(static services => services.GetRequiredService<FloorFanout>());

// Kestrel's default is already "no limit"; stated here because the comparison depends on it.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxConcurrentConnections = null);

// Kestrel's default scheduling unless asked (--inline-scheduling true): the floor runs on SseRx.Host's transport setting.
builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = builder.Configuration.GetValue("inline-scheduling", false));

var app = builder.Build();
app.MapGet("/api/v2/stream", (Broadcaster broadcaster, CancellationToken cancellationToken) =>
    TypedResults.ServerSentEvents(broadcaster.Subscribe(cancellationToken)));

// Not part of the baseline's SSE: the floor of any Kestrel stream. It starts the response, writes one comment and
// waits, so an idle stream here costs only what Kestrel and the minimal API need to hold an open response.
app.MapGet("/api/v2/floor", async (HttpContext context) =>
{
    context.Response.ContentType = "text/event-stream";
    await context.Response.WriteAsync(": open\n\n", context.RequestAborted);
    await context.Response.Body.FlushAsync(context.RequestAborted);
    try
    {
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
    }
    catch (OperationCanceledException)
    {
    }
});
// Not a baseline either: the floor of a broadcast (see FloorFanout), the same pre-built batch copied into every response.
app.MapGet("/api/v2/floor-fanout", (HttpContext context, FloorFanout floor) => floor.StreamAsync(context));
app.MapGet("/health", () => TypedResults.Ok(new { status = "healthy", connections = app.Services.GetRequiredService<Broadcaster>().Count }));
app.Run();
