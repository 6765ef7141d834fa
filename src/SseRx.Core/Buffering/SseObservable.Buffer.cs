namespace SseRx;

public static partial class SseObservable
{
    /// <summary>Subscribes a new <see cref="ConsumerBuffer"/> to <paramref name="source"/> and returns it.</summary>
    /// <remarks>Dispose the buffer to unsubscribe.</remarks>
    public static ConsumerBuffer SubscribeBuffered(this IObservable<SseEvent> source, ConsumerBufferOptions options)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        throw new NotImplementedException();
    }
}
