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
    /// buffer and cancels a pending flush) or <paramref name="cancellationToken"/> is cancelled; never throws for those.
    /// Then it tears the stream down, in this order: disposes the buffer, tells <paramref name="observer"/> how the stream
    /// ended, disposes <paramref name="onStopping"/> and <paramref name="onAborted"/> and releases <paramref name="lease"/>.
    /// One method from start to end, so an open stream holds this one frame.
    /// </summary>
    /// <param name="buffer">The connection's buffer; read by this loop only.</param>
    /// <param name="writer">The response body.</param>
    /// <param name="maxEventsPerFlush">The most events written before a flush.</param>
    /// <param name="observer">Told of each event written, each completed flush and the end; optional.</param>
    /// <param name="onStopping">The stream's registration on <paramref name="stopping"/>.</param>
    /// <param name="onAborted">
    /// The stream's registration on <paramref name="cancellationToken"/>, which ends <paramref name="buffer"/>: the loop's
    /// waits take no token of their own, so no wait registers and unregisters a callback.
    /// </param>
    /// <param name="lease">The stream's admission (its connection gate slot).</param>
    /// <param name="stopping">Cancelled when the application stops: the loop then reports <see cref="SseStreamEnd.Shutdown"/>.</param>
    /// <param name="cancellationToken">Cancelled when the client aborts; also cancels a flush that waits on the client.</param>
    public static async Task RunAsync(
        ConsumerBuffer buffer,
        PipeWriter writer,
        int maxEventsPerFlush,
        ISseStreamObserver? observer,
        CancellationTokenRegistration onStopping,
        CancellationTokenRegistration onAborted,
        IDisposable lease,
        CancellationToken stopping,
        CancellationToken cancellationToken)
    {
        using var admitted = lease;
        using var stoppingRegistration = onStopping;
        using var abortedRegistration = onAborted;
        var end = SseStreamEnd.Faulted;
        try
        {
            try
            {
                while (true)
                {
                    if (!await buffer.WaitToReadAsync(CancellationToken.None))
                    {
                        end = stopping.IsCancellationRequested ? SseStreamEnd.Shutdown
                            : cancellationToken.IsCancellationRequested ? SseStreamEnd.ClientGone
                            : buffer.Error switch
                            {
                                null => SseStreamEnd.Completed,
                                SlowConsumerException => SseStreamEnd.SlowConsumer,
                                _ => SseStreamEnd.Faulted,
                            };
                        break;
                    }

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
                        end = SseStreamEnd.Shutdown;
                        break;
                    }

                    if (buffer.Error is SlowConsumerException)
                    {
                        // The buffer overflowed while this loop waited on the client, and PumpInterrupt cancelled the
                        // flush to say so. Kestrel reports a cancelled pending flush as an ordinary one, so ask the buffer.
                        end = SseStreamEnd.SlowConsumer;
                        break;
                    }

                    if (flush.IsCompleted || flush.IsCanceled)
                    {
                        end = SseStreamEnd.ClientGone;
                        break;
                    }

                    observer?.Flushed(written);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                end = stopping.IsCancellationRequested ? SseStreamEnd.Shutdown : SseStreamEnd.ClientGone;
            }
            catch (IOException)
            {
                // Kestrel reports a reset connection as an IOException from the flush.
                end = SseStreamEnd.ClientGone;
            }
        }
        finally
        {
            buffer.Dispose();
            if (observer is not null)
            {
                await observer.EndedAsync(end, buffer.Error);
            }
        }
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
