using System.Net;
using System.Net.ServerSentEvents;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// One SSE stream over a plain socket, read in the background with <see cref="SseParser"/>: cheap enough to hold a
/// thousand open in one test, and able to tell a response the server ended (its terminating chunk arrived) from one
/// that was cut off.
/// </summary>
internal sealed class RawSseStream : IAsyncDisposable
{
    private readonly RawHttpConnection _connection;
    private readonly bool _keepEvents;
    private readonly List<SseItem<string>> _events = [];
    private string? _lastEventId;
    private int _count;
    private int _newItems;

    private RawSseStream(RawHttpConnection connection, bool keepEvents)
    {
        _connection = connection;
        _keepEvents = keepEvents;
    }

    /// <summary>The response status.</summary>
    public int StatusCode => _connection.StatusCode;

    /// <summary>The id of the last event read: what a browser would resend as <c>Last-Event-ID</c>.</summary>
    public string? LastEventId => Volatile.Read(ref _lastEventId);

    /// <summary>Events read so far.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary><c>new_item</c> events read so far.</summary>
    public int NewItems => Volatile.Read(ref _newItems);

    /// <summary>Ends when the response ends; true when the server ended it properly (its terminating chunk arrived).</summary>
    public Task<bool> Completion { get; private set; } = Task.FromResult(false);

    /// <summary>The events read so far, when asked to keep them; read it after <see cref="Completion"/> or under no reader.</summary>
    public IReadOnlyList<SseItem<string>> Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Opens <c>GET /api/v2/stream</c> and starts reading it when the answer is 200.</summary>
    public static async Task<RawSseStream> OpenAsync(
        IPEndPoint endpoint, string? lastEventId, bool keepEvents, CancellationToken cancellationToken)
    {
        (string, string)[] headers = lastEventId is null
            ? [("Accept", "text/event-stream")]
            : [("Accept", "text/event-stream"), ("Last-Event-ID", lastEventId)];
        var connection = await RawHttpConnection.SendAsync(
            endpoint, RawHttpConnection.Get("/api/v2/stream", endpoint, headers), cancellationToken, bufferSize: 4096);
        var stream = new RawSseStream(connection, keepEvents);
        if (connection.StatusCode == 200)
        {
            stream.Completion = stream.ReadAsync(cancellationToken);
        }

        return stream;
    }

    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync();
        try
        {
            await Completion;
        }
        catch (Exception error) when (error is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // Disposed mid-read: the read loop ends with the socket, which is the point.
        }
    }

    private async Task<bool> ReadAsync(CancellationToken cancellationToken)
    {
        // Off the caller's context, so a thousand loops never queue behind the test's own awaits.
        await Task.Yield();
        using var body = _connection.OpenBody();
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
        {
            Volatile.Write(ref _lastEventId, item.EventId);
            Interlocked.Increment(ref _count);
            if (item.EventType == SentimentEventTypes.NewItem)
            {
                Interlocked.Increment(ref _newItems);
            }

            if (_keepEvents)
            {
                lock (_events)
                {
                    _events.Add(item);
                }
            }
        }

        return body.Completed;
    }
}
