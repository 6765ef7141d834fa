using System.Buffers;
using System.IO.Pipelines;

namespace SseRx.AspNetCore;

/// <summary>
/// The writer loop of one connection: copies each event's pre-serialized bytes from the connection's buffer to the
/// response, coalescing whatever is already waiting into one write and one flush.
/// </summary>
internal static class SsePump
{
    /// <summary>
    /// Runs until the buffer ends, the client goes away, the buffer overflows (noticed even while a flush waits on the
    /// client, when a <see cref="PumpInterrupt"/> cancels that flush), the application stops (the interrupt ends the
    /// buffer and cancels a pending flush) or <paramref name="cancellationToken"/> is cancelled. Never throws for those;
    /// the caller disposes the buffer.
    /// </summary>
    /// <param name="buffer">The connection's buffer; read by this loop only.</param>
    /// <param name="writer">The response body.</param>
    /// <param name="cancellationToken">Cancelled when the client aborts.</param>
    /// <param name="stopping">Cancelled when the application stops: the loop then reports <see cref="SseStreamEnd.Shutdown"/>.</param>
    /// <param name="maxEventsPerFlush">The most events written before a flush.</param>
    /// <param name="observer">Told of each event written and each completed flush; optional.</param>
    public static async Task<SseStreamEnd> RunAsync(
        ConsumerBuffer buffer,
        PipeWriter writer,
        int maxEventsPerFlush,
        ISseStreamObserver? observer,
        CancellationToken stopping,
        CancellationToken cancellationToken)
    {
        try
        {
            while (await buffer.WaitToReadAsync(cancellationToken))
            {
                var written = 0;
                while (written < maxEventsPerFlush && buffer.TryRead(out var item))
                {
                    writer.Write(item.Utf8.Span);
                    observer?.Written(item);
                    written++;
                }

                if (written == 0)
                {
                    continue;
                }

                var flush = await FlushAsync(buffer, writer, cancellationToken);
                if (stopping.IsCancellationRequested)
                {
                    return SseStreamEnd.Shutdown;
                }

                if (buffer.Error is SlowConsumerException)
                {
                    // The buffer overflowed while this loop waited on the client, and PumpInterrupt cancelled the
                    // flush to say so. Kestrel reports a cancelled pending flush as an ordinary one, so ask the buffer.
                    return SseStreamEnd.SlowConsumer;
                }

                if (flush.IsCompleted || flush.IsCanceled)
                {
                    return stopping.IsCancellationRequested ? SseStreamEnd.Shutdown : SseStreamEnd.ClientGone;
                }

                observer?.Flushed(written);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return stopping.IsCancellationRequested ? SseStreamEnd.Shutdown : SseStreamEnd.ClientGone;
        }
        catch (IOException)
        {
            // Kestrel reports a reset connection as an IOException from the flush.
            return SseStreamEnd.ClientGone;
        }

        if (stopping.IsCancellationRequested)
        {
            return SseStreamEnd.Shutdown;
        }

        return buffer.Error switch
        {
            null => SseStreamEnd.Completed,
            SlowConsumerException => SseStreamEnd.SlowConsumer,
            _ => SseStreamEnd.Faulted,
        };
    }

    /// <summary>
    /// Flushes; a flush that does not complete at once is waiting on the client (Kestrel's response buffer is full), and
    /// the buffer is told so for as long as it waits: only then is the client held to the buffer's capacity. A backlog
    /// that builds while this loop is merely waiting for CPU is the server's, and may grow to the maximum capacity.
    /// </summary>
    private static async ValueTask<FlushResult> FlushAsync(ConsumerBuffer buffer, PipeWriter writer, CancellationToken cancellationToken)
    {
        var flush = writer.FlushAsync(cancellationToken);
        if (flush.IsCompleted)
        {
            return await flush;
        }

        buffer.SetWriterBlocked(true);
        try
        {
            return await flush;
        }
        finally
        {
            buffer.SetWriterBlocked(false);
        }
    }
}
