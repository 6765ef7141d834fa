using SseRx.Host.Sentiment;

namespace SseRx.Host.Observability;

/// <summary>
/// One connection's counters, kept by its writer loop (the package's, through <see cref="StreamObservation"/>): events sent, and the ingest
/// timestamps of the <c>new_item</c> events in the batch being written, which become
/// <see cref="SseRxMetrics.Names.DeliveryDuration"/> values once the flush that carries them completes.
/// </summary>
/// <remarks>
/// Written by the writer loop only, one call at a time (its awaits hand it from thread to thread, in order), and read
/// once it has ended. Nothing here allocates: a batch is summarized by four numbers, whatever its size.
/// </remarks>
internal sealed class StreamCounters(SseRxMetrics metrics, TimeProvider time)
{
    private long _eventsSent;
    private int _batchItems;
    private long _batchIngestSum;
    private long _batchIngestMin;
    private long _batchIngestMax;

    /// <summary>Events written to the client and flushed. Read it after the writer loop has ended.</summary>
    public long EventsSent => Volatile.Read(ref _eventsSent);

    /// <summary>An event was written into the response (not yet flushed).</summary>
    public void Written(SseEvent value)
    {
        if (!string.Equals(value.Type, SentimentEventTypes.NewItem, StringComparison.Ordinal))
        {
            return;
        }

        // A new_item's id carries its ingest time (SentimentItem.EventId).
        var ingested = value.Id.UnixMilliseconds;
        if (_batchItems == 0)
        {
            _batchIngestMin = ingested;
            _batchIngestMax = ingested;
            _batchIngestSum = 0;
        }
        else
        {
            _batchIngestMin = Math.Min(_batchIngestMin, ingested);
            _batchIngestMax = Math.Max(_batchIngestMax, ingested);
        }

        _batchIngestSum += ingested;
        _batchItems++;
    }

    /// <summary>The flush after <paramref name="count"/> written events completed: they reached the connection.</summary>
    public void Flushed(int count)
    {
        Volatile.Write(ref _eventsSent, _eventsSent + count);
        metrics.EventsSent(count);
        if (_batchItems == 0)
        {
            return;
        }

        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var items = _batchItems;
        _batchItems = 0;

        // Latency = now - ingest, so the newest item is the minimum and the oldest the maximum. Clock skew between the
        // writer of an item and this process can make a latency negative: it counts as 0.
        metrics.ItemsDelivered(
            items,
            Seconds((items * now) - _batchIngestSum),
            Seconds(now - _batchIngestMax),
            Seconds(now - _batchIngestMin));
    }

    private static double Seconds(long milliseconds) => Math.Max(0, milliseconds) / 1000.0;
}
