using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace SseRx;

/// <summary>Formats one event into its wire bytes with the framework's <see cref="SseFormatter"/>.</summary>
internal static class SseFrameWriter
{
    public static byte[] Format<T>(
        string type, SseEventId id, T payload, JsonTypeInfo<T> typeInfo, TimeSpan? reconnectionInterval) =>
        Format(type, id, payload, (buffer, value) => WriteJson(buffer, value, typeInfo), reconnectionInterval);

    /// <summary>Formats text data as it is; a line break in it starts another <c>data:</c> line.</summary>
    public static byte[] Format(string type, SseEventId id, string data, TimeSpan? reconnectionInterval) =>
        Format(type, id, data, static (buffer, text) => Encoding.UTF8.GetBytes(text, buffer), reconnectionInterval);

    private static byte[] Format<T>(
        string type, SseEventId id, T payload, Action<IBufferWriter<byte>, T> writeData, TimeSpan? reconnectionInterval)
    {
        // SseItem validates that the type and id hold no line breaks, so a frame can never be split.
        var item = new SseItem<T>(payload, type) { EventId = id.ToString(), ReconnectionInterval = reconnectionInterval };

        using var stream = new MemoryStream(256);
        var write = SseFormatter.WriteAsync(
            new SingleItem<T>(item),
            stream,
            (sseItem, buffer) => writeData(buffer, sseItem.Data),
            CancellationToken.None);

        // The item source completes synchronously and MemoryStream never yields, so the task is already done;
        // anything else is a bug worth failing loudly on rather than blocking a thread.
        if (!write.IsCompleted)
        {
            throw new InvalidOperationException("SSE formatting into memory did not complete synchronously.");
        }

        write.GetAwaiter().GetResult();
        return stream.ToArray();
    }

    private static void WriteJson<T>(IBufferWriter<byte> buffer, T value, JsonTypeInfo<T> typeInfo)
    {
        using var writer = new Utf8JsonWriter(buffer);
        JsonSerializer.Serialize(writer, value, typeInfo);
    }

    /// <summary>A one-element async sequence that completes synchronously.</summary>
    private sealed class SingleItem<T>(SseItem<T> item) : IAsyncEnumerable<SseItem<T>>, IAsyncEnumerator<SseItem<T>>
    {
        private bool _moved;

        public SseItem<T> Current => item;

        public IAsyncEnumerator<SseItem<T>> GetAsyncEnumerator(CancellationToken cancellationToken = default) => this;

        public ValueTask<bool> MoveNextAsync()
        {
            var hasItem = !_moved;
            _moved = true;
            return new ValueTask<bool>(hasItem);
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
