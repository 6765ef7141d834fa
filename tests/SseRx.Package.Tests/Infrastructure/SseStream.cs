using System.Net.ServerSentEvents;
using System.Text;
using System.Threading.Channels;
using SseRx.Testing;

namespace SseRx.Package.Tests.Infrastructure;

/// <summary>
/// One SSE response, read in the background with <see cref="SseParser"/> as a browser's <c>EventSource</c> would, keeping
/// the raw bytes too. Disposing it cuts the connection abruptly: the pending read is cancelled, which closes the socket
/// (with <see cref="AppProcess.Client"/>'s handler, nothing is drained first).
/// </summary>
public sealed class SseStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly TimeSpan _deadline;
    private readonly Channel<SseItem<string>> _events = Channel.CreateUnbounded<SseItem<string>>();
    private readonly MemoryStream _raw = new();
    private readonly CancellationTokenSource _cut = new();
    private readonly List<SseItem<string>> _read = [];
    private Task _reading = Task.CompletedTask;
    private bool _disposed;

    private SseStream(HttpResponseMessage response, TimeSpan deadline)
    {
        _response = response;
        _deadline = deadline;
    }

    /// <summary>The response (status, headers; for a refusal, its body).</summary>
    public HttpResponseMessage Response => _response;

    /// <summary>The events the test has taken so far, in order.</summary>
    public IReadOnlyList<SseItem<string>> Read => _read;

    /// <summary>The id of the last event taken: what a browser would resend as <c>Last-Event-ID</c>.</summary>
    public string? LastEventId => _read.LastOrDefault(e => e.EventId is not null).EventId;

    /// <summary>The bytes received, as text; complete once <see cref="ReadToEndAsync"/> has returned.</summary>
    public string RawText => Encoding.UTF8.GetString(_raw.ToArray());

    internal static async Task<SseStream> OpenAsync(HttpClient client, string path, string? lastEventId, TimeSpan deadline)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var headers = new CancellationTokenSource(deadline);
        var stream = new SseStream(await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, headers.Token), deadline);
        if (stream._response.IsSuccessStatusCode)
        {
            stream._reading = stream.ReadAsync();
        }
        else
        {
            stream._events.Writer.Complete();
        }

        return stream;
    }

    /// <summary>The next event; fails at the deadline or when the stream ends first.</summary>
    public async Task<SseItem<string>> NextAsync()
    {
        using var deadline = new CancellationTokenSource(_deadline);
        try
        {
            var item = await _events.Reader.ReadAsync(deadline.Token);
            _read.Add(item);
            return item;
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"No event within {_deadline}. Read so far:\n{Describe(_read)}");
        }
        catch (ChannelClosedException closed)
        {
            throw new InvalidOperationException($"The stream ended. Read so far:\n{Describe(_read)}", closed.InnerException ?? closed);
        }
    }

    /// <summary>Takes events up to and including the first that matches <paramref name="last"/>; returns them.</summary>
    public async Task<List<SseItem<string>>> ReadUntilAsync(Func<SseItem<string>, bool> last)
    {
        var items = new List<SseItem<string>>();
        do
        {
            items.Add(await NextAsync());
        }
        while (!last(items[^1]));

        return items;
    }

    /// <summary>
    /// Takes every event up to the end of the response, which must come within the deadline; fails if the response was
    /// cut off rather than ended by the server (HttpClient reports a chunked body without its terminating chunk).
    /// </summary>
    public async Task<List<SseItem<string>>> ReadToEndAsync()
    {
        try
        {
            await _reading.WaitAsync(_deadline);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The response did not end within {_deadline}. Read so far:\n{Describe(_read)}");
        }
        catch (Exception error)
        {
            throw new InvalidOperationException($"The response was cut off, not ended by the server. Read so far:\n{Describe(_read)}", error);
        }

        var rest = new List<SseItem<string>>();
        while (_events.Reader.TryRead(out var item))
        {
            _read.Add(item);
            rest.Add(item);
        }

        await _events.Reader.Completion;
        return rest;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _cut.CancelAsync();
        _response.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception)
        {
            // Cut off mid-read, which is the point; the reader's error is in the channel for anyone still waiting.
        }

        _cut.Dispose();
    }

    internal static string Describe(IEnumerable<SseItem<string>> items) =>
        string.Join('\n', items.Select(e => $"  {e.EventType} {e.EventId} {e.Data}"));

    private async Task ReadAsync()
    {
        try
        {
            await using var body = new RecordingStream(await _response.Content.ReadAsStreamAsync(_cut.Token), _raw);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(_cut.Token))
            {
                _events.Writer.TryWrite(item);
            }

            _events.Writer.TryComplete();
        }
        catch (Exception error)
        {
            _events.Writer.TryComplete(error);
            throw;
        }
    }
}
