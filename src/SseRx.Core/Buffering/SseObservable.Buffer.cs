namespace SseRx;

public static partial class SseObservable
{
    /// <summary>Subscribes a new <see cref="ConsumerBuffer"/> to <paramref name="source"/> and returns it.</summary>
    /// <param name="source">One connection's events; subscribed here, synchronously, so events it emits at subscription are buffered.</param>
    /// <param name="options">The capacity (default 1,024 events) and conflated types (default <c>heartbeat</c>); validated and copied.</param>
    /// <returns>The buffer, for the connection's single reader. The caller owns it and must dispose it.</returns>
    /// <remarks>
    /// Dispose the buffer to unsubscribe. The buffer unsubscribes by itself when it overflows (see
    /// <see cref="ConsumerBuffer"/>), and releases the subscription when the source ends.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public static ConsumerBuffer SubscribeBuffered(this IObservable<SseEvent> source, ConsumerBufferOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        var buffer = new ConsumerBuffer(options);
        buffer.Attach(source.Subscribe(buffer));
        return buffer;
    }
}
