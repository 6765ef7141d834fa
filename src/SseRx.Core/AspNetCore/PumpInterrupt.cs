using System.IO.Pipelines;

namespace SseRx.AspNetCore;

/// <summary>
/// Wakes a connection's writer loop from outside it: when the connection's buffer overflows (so the slow client is
/// dropped at once) and when the application stops.
/// </summary>
/// <remarks>
/// <para>
/// A client that stops reading parks the writer loop in <see cref="PipeWriter.FlushAsync"/>: Kestrel pauses the flush
/// once its response buffer (<c>MaxResponseBufferSize</c>, 64 KiB by default) is full. Parked there, the loop never
/// looks at the buffer again, so the overflow would go unnoticed and the client would keep its stream slot and its
/// Kestrel buffer until Kestrel's minimum data rate check or the client gave up, minutes later. On overflow this
/// cancels the pending (or next) flush; <see cref="SsePump"/> checks the buffer after every flush and reports
/// <see cref="SseStreamEnd.SlowConsumer"/>. (It cannot rely on <see cref="FlushResult.IsCanceled"/>: Kestrel returns a
/// default result when a flush that was waiting is cancelled.)
/// </para>
/// <para>
/// On shutdown it ends the buffer (the loop's wait returns) and cancels a pending flush; the loop sees the stopping
/// token and reports <see cref="SseStreamEnd.Shutdown"/>. When the client aborts it ends the buffer the same way, and the
/// loop sees the abort token and reports <see cref="SseStreamEnd.ClientGone"/>. That is one registration on each token
/// per connection, for its whole life: no linked token source, and no registration per wait.
/// </para>
/// <para>
/// One per connection. Its methods may run on any thread (on overflow, the poller's, inside the journal's fan-out),
/// so they never throw.
/// </para>
/// </remarks>
internal sealed class PumpInterrupt(PipeWriter writer)
{
    private ConsumerBuffer? _buffer;

    /// <summary>Names the connection's buffer once it exists; handles an overflow that happened while subscribing.</summary>
    public void Attach(ConsumerBuffer buffer)
    {
        Volatile.Write(ref _buffer, buffer);
        OnPipelineEnded();
    }

    /// <summary>
    /// Called whenever the buffer lets go of its pipeline (overflow, completion, error or disposal); acts on overflow only,
    /// so a stream that completes still writes what it has buffered.
    /// </summary>
    public void OnPipelineEnded()
    {
        if (Volatile.Read(ref _buffer)?.Error is SlowConsumerException)
        {
            CancelFlush();
        }
    }

    /// <summary>The application is stopping: end the buffer and wake the loop wherever it waits.</summary>
    public void OnShutdown()
    {
        Volatile.Read(ref _buffer)?.Dispose();
        CancelFlush();
    }

    /// <summary>
    /// The client went away: end the buffer, so the loop's wait returns. One registration on the request's abort token
    /// for the stream's life, instead of one per wait (a wait per batch, thousands of streams per batch). A flush that
    /// is waiting on the client fails by itself when Kestrel aborts the connection.
    /// </summary>
    public void OnClientGone() => Volatile.Read(ref _buffer)?.Dispose();

    private void CancelFlush()
    {
        try
        {
            writer.CancelPendingFlush();
        }
        catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
        {
            // The response has already ended, so no flush is waiting.
        }
    }
}
