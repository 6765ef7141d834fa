using System.Text.Json.Serialization.Metadata;

namespace SseRx;

/// <summary>
/// One server-sent event, already encoded: its type, its id, and the UTF-8 bytes of the whole frame
/// (<c>event:</c>, <c>data:</c>, <c>id:</c> and, when set, <c>retry:</c>, followed by the blank line).
/// </summary>
/// <remarks>
/// An event is serialized once, when it is created, and every connection writes the same
/// <see cref="Utf8"/> bytes. Instances are immutable and safe to share between threads.
/// </remarks>
public sealed class SseEvent
{
    private SseEvent(string type, SseEventId id, string? topic, object? payload, ReadOnlyMemory<byte> utf8)
    {
        Type = type;
        Id = id;
        Topic = topic;
        Payload = payload;
        Utf8 = utf8;
    }

    /// <summary>The event type (the <c>event:</c> field); see <see cref="SseEventTypes"/>.</summary>
    public string Type { get; }

    /// <summary>The event id (the <c>id:</c> field), which is also a resume cursor.</summary>
    public SseEventId Id { get; }

    /// <summary>
    /// What the event is about, in your terms (a product, a tenant, a build), for <see cref="SseObservable.WhereTopics(IObservable{SseEvent}, IReadOnlySet{string})"/>;
    /// <see langword="null"/> for an event that concerns everyone.
    /// </summary>
    public string? Topic { get; }

    /// <summary>The payload the data was serialized from, for filtering and inspection. Never re-serialized.</summary>
    public object? Payload { get; }

    /// <summary>The complete UTF-8 wire frame, ending with the blank line that dispatches the event.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>
    /// Creates an event, serializing <paramref name="payload"/> to JSON and formatting the frame with
    /// <see cref="System.Net.ServerSentEvents.SseFormatter"/>. This is the only place bytes are produced.
    /// </summary>
    /// <typeparam name="T">The payload type.</typeparam>
    /// <param name="type">The event type; must not contain CR or LF.</param>
    /// <param name="id">The event id.</param>
    /// <param name="payload">The payload, serialized as the <c>data:</c> field.</param>
    /// <param name="typeInfo">The JSON contract for <typeparamref name="T"/> (source-generated, so no reflection).</param>
    /// <param name="topic">What the event is about, if anything in particular; used by topic filters.</param>
    /// <param name="reconnectionInterval">When set, the frame also carries <c>retry:</c> (in milliseconds).</param>
    /// <exception cref="ArgumentException"><paramref name="type"/> is empty or contains a line break.</exception>
    public static SseEvent Create<T>(
        string type,
        SseEventId id,
        T payload,
        JsonTypeInfo<T> typeInfo,
        string? topic = null,
        TimeSpan? reconnectionInterval = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var bytes = SseFrameWriter.Format(type, id, payload, typeInfo, reconnectionInterval);
        return new SseEvent(type, id, topic, payload, bytes);
    }

    /// <summary>
    /// Creates an event whose <c>data:</c> is <paramref name="data"/> as it is: text you have already serialized, or
    /// plain text. A line break in it starts another <c>data:</c> line, which a browser joins back with <c>\n</c>.
    /// </summary>
    /// <param name="type">The event type; must not contain CR or LF.</param>
    /// <param name="id">The event id.</param>
    /// <param name="data">The data; it is also the <see cref="Payload"/>.</param>
    /// <param name="topic">What the event is about, if anything in particular; used by topic filters.</param>
    /// <param name="reconnectionInterval">When set, the frame also carries <c>retry:</c> (in milliseconds).</param>
    /// <exception cref="ArgumentException"><paramref name="type"/> is empty or contains a line break.</exception>
    public static SseEvent Create(
        string type,
        SseEventId id,
        string data,
        string? topic = null,
        TimeSpan? reconnectionInterval = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(data);
        var bytes = SseFrameWriter.Format(type, id, data, reconnectionInterval);
        return new SseEvent(type, id, topic, data, bytes);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type} {Id}";
}
