namespace SseRx.Host.Observability;

/// <summary>
/// The process's metric aggregates between two EMF flushes: plain <see cref="Interlocked"/> counters and two
/// <see cref="EmfDistribution"/>s. Always collected (it costs a few atomic adds per flush of a connection), written
/// only when EMF is enabled.
/// </summary>
/// <remarks>A DI singleton; every member is thread-safe and allocation-free except <see cref="Collect"/>.</remarks>
internal sealed class EmfMetrics
{
    private long _eventsSent;
    private long _pollErrors;
    private long _rejectedConnections;

    /// <summary>Milliseconds from a <c>new_item</c>'s ingest timestamp to the flush that wrote it to a client.</summary>
    public EmfDistribution IngestToFlush { get; } = new();

    /// <summary>Milliseconds each poll of the store took (successful or failed; cancelled ones are not counted).</summary>
    public EmfDistribution PollDuration { get; } = new();

    /// <summary>Counts <paramref name="count"/> events written and flushed to one client.</summary>
    public void AddEventsSent(int count) => Interlocked.Add(ref _eventsSent, count);

    /// <summary>Counts a failed poll of the store.</summary>
    public void PollFailed() => Interlocked.Increment(ref _pollErrors);

    /// <summary>Counts a stream refused with 503.</summary>
    public void ConnectionRejected() => Interlocked.Increment(ref _rejectedConnections);

    /// <summary>Takes the aggregates since the last collection and resets them.</summary>
    /// <param name="activeConnections">The open streams now (a gauge, not reset).</param>
    /// <param name="period">How long the aggregates were collected; the throughput's denominator.</param>
    public EmfSample Collect(int activeConnections, TimeSpan period)
    {
        var sent = Interlocked.Exchange(ref _eventsSent, 0);
        var seconds = period.TotalSeconds;
        return new EmfSample(
            activeConnections,
            sent,
            seconds > 0 ? sent / seconds : 0,
            IngestToFlush.Drain(),
            PollDuration.Drain(),
            Interlocked.Exchange(ref _pollErrors, 0),
            Interlocked.Exchange(ref _rejectedConnections, 0));
    }
}

/// <summary>One flush period's metrics, as written to one EMF document.</summary>
/// <param name="ActiveConnections">Open streams at the flush.</param>
/// <param name="EventsSent">Events written and flushed to clients during the period, summed over connections.</param>
/// <param name="EventThroughput"><paramref name="EventsSent"/> per second of the period.</param>
/// <param name="IngestToFlushLatency">Up to 100 values in milliseconds; empty when no <c>new_item</c> was written.</param>
/// <param name="PollDuration">Up to 100 values in milliseconds; empty when no poll completed.</param>
/// <param name="PollErrors">Failed polls during the period.</param>
/// <param name="RejectedConnections">Streams refused with 503 during the period.</param>
internal sealed record EmfSample(
    int ActiveConnections,
    long EventsSent,
    double EventThroughput,
    double[] IngestToFlushLatency,
    double[] PollDuration,
    long PollErrors,
    long RejectedConnections);
