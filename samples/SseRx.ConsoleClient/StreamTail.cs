using System.Net.ServerSentEvents;

namespace SseRx.ConsoleClient;

/// <summary>Reads an SSE stream, prints each event, and reconnects with Last-Event-ID and backoff.</summary>
internal sealed class StreamTail(HttpClient http, ClientOptions options, TextWriter output)
{
    public int Received { get; private set; }

    public string? LastEventId { get; private set; } = options.LastEventId;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var retry = TimeSpan.FromSeconds(1);
        var failures = 0;
        while (!Done)
        {
            try
            {
                await ReadOnceAsync(r => retry = r, () => failures = 0, cancellationToken);
                output.WriteLine("-- stream ended by the server; resuming");
            }
            catch (Exception e) when (e is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                failures++;
                output.WriteLine($"-- disconnected ({e.Message}); retry {failures}");
            }

            if (Done)
            {
                break;
            }

            // The server's retry: is the base; repeated failures back off exponentially up to a cap.
            var delay = TimeSpan.FromMilliseconds(Math.Min(
                retry.TotalMilliseconds * Math.Pow(2, Math.Max(0, failures - 1)),
                options.MaxBackoff.TotalMilliseconds));
            await Task.Delay(delay, cancellationToken);
        }
    }

    private bool Done => options.MaxEvents is { } max && Received >= max;

    private async Task ReadOnceAsync(Action<TimeSpan> onRetry, Action onConnected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, options.Url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (LastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", LastEventId);
        }

        if (options.UserId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-User-ID", options.UserId);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"{(int)response.StatusCode} {response.ReasonPhrase}: {body}");
        }

        onConnected();
        output.WriteLine($"-- connected to {options.Url} (Last-Event-ID: {LastEventId ?? "none"})");
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var parser = SseParser.Create(stream);
        await foreach (var item in parser.EnumerateAsync(cancellationToken))
        {
            LastEventId = parser.LastEventId;
            onRetry(parser.ReconnectionInterval);
            Received++;
            output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} {item.EventType,-16} id={parser.LastEventId} {item.Data}");
            if (Done)
            {
                return;
            }
        }
    }
}
