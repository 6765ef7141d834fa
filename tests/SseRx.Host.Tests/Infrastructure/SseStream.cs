using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// One open SSE response, read with the framework's <see cref="SseParser"/>. Every read waits for an event with a
/// deadline (never a sleep); a read past the deadline fails the test with a <see cref="TimeoutException"/>.
/// </summary>
public sealed class SseStream : IAsyncDisposable
{
    private readonly Stream _body;
    private readonly IAsyncEnumerator<SseItem<string>> _events;
    private readonly CancellationTokenSource _disposed = new();

    private SseStream(HttpResponseMessage response, Stream body)
    {
        Response = response;
        _body = body;
        _events = SseParser.Create(body, static (_, data) => Encoding.UTF8.GetString(data)).EnumerateAsync(_disposed.Token).GetAsyncEnumerator();
    }

    /// <summary>The response (status and headers).</summary>
    public HttpResponseMessage Response { get; }

    /// <summary>Every event read so far, in order.</summary>
    public List<SseItem<string>> Received { get; } = [];

    /// <summary>Whether the server ended the response.</summary>
    public bool Ended { get; private set; }

    /// <summary>The id of the last event read, as a browser would resend it.</summary>
    public string? LastEventId => Received.Count == 0 ? null : Received[^1].EventId;

    /// <summary>Sends the request and returns once the response headers arrive. Checks nothing.</summary>
    public static async Task<SseStream> OpenAsync(
        HttpClient client, string path, string? lastEventId = null, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).WaitAsync(SseRxApp.Deadline);
        var body = await response.Content.ReadAsStreamAsync();
        return new SseStream(response, body);
    }

    /// <summary>The next event, or <see langword="null"/> when the server ended the response.</summary>
    public async Task<SseItem<string>?> NextAsync(TimeSpan? timeout = null)
    {
        if (Ended)
        {
            return null;
        }

        if (!await _events.MoveNextAsync().AsTask().WaitAsync(timeout ?? SseRxApp.Deadline))
        {
            Ended = true;
            return null;
        }

        Received.Add(_events.Current);
        return _events.Current;
    }

    /// <summary>Reads until an event of <paramref name="type"/> arrives and returns it; fails if the stream ends first.</summary>
    public Task<SseItem<string>> NextOfTypeAsync(string type, TimeSpan? timeout = null) =>
        ReadUntilAsync(e => e.EventType == type, timeout);

    /// <summary>Reads until an event satisfies <paramref name="stop"/> and returns it; fails if the stream ends first.</summary>
    public async Task<SseItem<string>> ReadUntilAsync(Func<SseItem<string>, bool> stop, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? SseRxApp.Deadline);
        while (true)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No matching event within the deadline; received: {Describe()}");
            }

            var next = await NextAsync(remaining) ?? throw new InvalidOperationException($"The stream ended first; received: {Describe()}");
            if (stop(next))
            {
                return next;
            }
        }
    }

    /// <summary>Reads every event until the server ends the response; fails if it is still open at the deadline.</summary>
    public async Task ReadToEndAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? SseRxApp.Deadline);
        while (await NextAsync(Remaining(deadline)) is not null)
        {
        }
    }

    /// <summary>The <c>new_item</c> ids received so far, in order.</summary>
    public List<string> ItemIds() =>
        Received.Where(e => e.EventType == SentimentEventTypes.NewItem).Select(e => Json(e).GetProperty("item_id").GetString()!).ToList();

    /// <summary>The event's data as JSON.</summary>
    public static JsonElement Json(SseItem<string> item)
    {
        using var document = JsonDocument.Parse(item.Data);
        return document.RootElement.Clone();
    }

    /// <summary>Drops the connection (as a vanished client would) and releases the response.</summary>
    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        await _body.DisposeAsync();
        Response.Dispose();
        try
        {
            await _events.DisposeAsync();
        }
        catch (OperationCanceledException)
        {
            // The enumerator was mid-read on a cancelled token; that is the point of disposing.
        }

        _disposed.Dispose();
    }

    private string Describe() => string.Join(", ", Received.Select(e => $"{e.EventType} {e.EventId}"));

    private static TimeSpan Remaining(DateTime deadline)
    {
        var remaining = deadline - DateTime.UtcNow;
        return remaining > TimeSpan.Zero ? remaining : throw new TimeoutException("The stream did not end within the deadline.");
    }
}
