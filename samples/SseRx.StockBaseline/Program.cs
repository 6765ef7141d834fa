// The stock baseline for the load comparison: what a .NET developer would write with plain ASP.NET Core 10.
// A timer produces new_item events at a set rate; every connection gets a bounded Channel<T>, and
// TypedResults.ServerSentEvents serializes each event to JSON once per connection. No SseRx code is used.
//
//   dotnet samples/SseRx.StockBaseline/bin/Release/net10.0/SseRx.StockBaseline.dll --urls http://127.0.0.1:5090 --events-per-second 10
using SseRx.StockBaseline;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddSingleton<Broadcaster>();
builder.Services.AddHostedService<ItemProducer>();

// Kestrel's default is already "no limit"; stated here because the comparison depends on it.
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxConcurrentConnections = null);

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
app.MapGet("/health", () => TypedResults.Ok(new { status = "healthy", connections = app.Services.GetRequiredService<Broadcaster>().Count }));
app.Run();
