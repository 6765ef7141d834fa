// Tails any SseRx stream and prints events as they arrive. After a disconnect it reconnects with
// Last-Event-ID, so it shows what resume looks like without a browser.
//
//   dotnet run --project samples/SseRx.ConsoleClient -- [url] [--user ID] [--last-event-id ID] [--max-events N]
using SseRx.ConsoleClient;

var options = ClientOptions.Parse(args);
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
var tail = new StreamTail(http, options, Console.Out);
try
{
    await tail.RunAsync(cancel.Token);
}
catch (OperationCanceledException) when (cancel.IsCancellationRequested)
{
}

Console.WriteLine($"-- received {tail.Received} events; last id {tail.LastEventId ?? "(none)"}");
