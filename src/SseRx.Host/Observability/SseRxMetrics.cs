using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SseRx.Host.Observability;

/// <summary>
/// Every SseRx metric, defined once on the <c>SseRx</c> <see cref="Meter"/>: names and units follow the OpenTelemetry
/// semantic conventions (durations in seconds, annotations such as <c>{stream}</c> for counts, <c>error.type</c> on
/// failures). The exporters (OTLP, EMF on stdout, Prometheus) read these instruments; nothing here knows about them.
/// </summary>
/// <remarks>
/// A DI singleton; the meter comes from <see cref="IMeterFactory"/> and is disposed with the container. Every method is
/// thread-safe and allocation-free, and costs next to nothing while no exporter listens.
/// </remarks>
internal sealed class SseRxMetrics
{
    /// <summary>The meter's name, which exporters and listeners subscribe to.</summary>
    public const string MeterName = "SseRx";

    /// <summary>The instruments' names.</summary>
    public static class Names
    {
        /// <summary>Open SSE streams (UpDownCounter, <c>{stream}</c>).</summary>
        public const string ActiveStreams = "sserx.stream.active";

        /// <summary>How long each stream lasted, tagged with its end reason (Histogram, <c>s</c>).</summary>
        public const string StreamDuration = "sserx.stream.duration";

        /// <summary>Events written and flushed to clients, over every stream (Counter, <c>{event}</c>).</summary>
        public const string EventsSent = "sserx.stream.sent.events";

        /// <summary>From a <c>new_item</c>'s ingest time to the flush that wrote it to a client (Histogram, <c>s</c>).</summary>
        public const string DeliveryDuration = "sserx.stream.delivery.duration";

        /// <summary>Stream requests refused, tagged with the reason (Counter, <c>{stream}</c>).</summary>
        public const string RejectedStreams = "sserx.stream.rejected";

        /// <summary>How long each poll of the store took; a failed poll carries <c>error.type</c> (Histogram, <c>s</c>).</summary>
        public const string PollDuration = "sserx.poll.duration";
    }

    /// <summary>Tag names.</summary>
    public static class Tags
    {
        /// <summary><c>global</c> or <c>configuration</c>.</summary>
        public const string StreamKind = SseRxActivities.Tags.StreamKind;

        /// <summary>Why a stream ended (a <see cref="SseRx.AspNetCore.SseStreamEnd"/> name).</summary>
        public const string EndReason = SseRxActivities.Tags.EndReason;

        /// <summary>Why a stream was refused: <c>ProcessLimit</c>, <c>ClientLimit</c>, <c>ShuttingDown</c>, <c>RateLimit</c>.</summary>
        public const string RejectionReason = "sserx.rejection.reason";

        /// <summary>The exception type of a failed poll (the semantic conventions' attribute for failures).</summary>
        public const string ErrorType = "error.type";
    }

    // Bucket boundaries in seconds for the two latency histograms: 1 ms to 60 s. The OpenTelemetry default boundaries
    // are meant for milliseconds and would put every value of a seconds histogram in the first few buckets.
    private static readonly IReadOnlyList<double> SecondsBoundaries =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60];

    // Stream durations run from milliseconds (a refused resume) to the 15-minute lifetime and beyond.
    private static readonly IReadOnlyList<double> StreamBoundaries =
        [0.1, 1, 5, 10, 30, 60, 120, 300, 600, 870, 900, 1800, 3600];

    private readonly UpDownCounter<long> _activeStreams;
    private readonly Histogram<double> _streamDuration;
    private readonly Counter<long> _eventsSent;
    private readonly Histogram<double> _deliveryDuration;
    private readonly Counter<long> _rejectedStreams;
    private readonly Histogram<double> _pollDuration;

    public SseRxMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName, typeof(SseRxMetrics).Assembly.GetName().Version?.ToString());
        _activeStreams = meter.CreateUpDownCounter<long>(Names.ActiveStreams, "{stream}", "SSE streams open now.");
        _streamDuration = meter.CreateHistogram(
            Names.StreamDuration, "s", "How long SSE streams lasted.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StreamBoundaries });
        _eventsSent = meter.CreateCounter<long>(Names.EventsSent, "{event}", "Events written and flushed to SSE clients.");
        _deliveryDuration = meter.CreateHistogram(
            Names.DeliveryDuration, "s", "From a new item's ingest time to the flush that wrote it to a client.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBoundaries });
        _rejectedStreams = meter.CreateCounter<long>(Names.RejectedStreams, "{stream}", "SSE stream requests refused (503 or 429).");
        _pollDuration = meter.CreateHistogram(
            Names.PollDuration, "s", "How long each poll of the store took.", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBoundaries });
    }

    /// <summary>A stream was admitted.</summary>
    public void StreamOpened(string kind) => _activeStreams.Add(1, new KeyValuePair<string, object?>(Tags.StreamKind, kind));

    /// <summary>A stream ended after <paramref name="duration"/>.</summary>
    public void StreamEnded(string kind, string reason, TimeSpan duration)
    {
        var kindTag = new KeyValuePair<string, object?>(Tags.StreamKind, kind);
        _activeStreams.Add(-1, kindTag);
        _streamDuration.Record(duration.TotalSeconds, kindTag, new KeyValuePair<string, object?>(Tags.EndReason, reason));
    }

    /// <summary>A stream request was refused.</summary>
    public void StreamRejected(string kind, string reason) =>
        _rejectedStreams.Add(
            1, new KeyValuePair<string, object?>(Tags.StreamKind, kind), new KeyValuePair<string, object?>(Tags.RejectionReason, reason));

    /// <summary><paramref name="count"/> events reached one client (their flush completed).</summary>
    public void EventsSent(int count) => _eventsSent.Add(count);

    /// <summary>
    /// The delivery latencies of one flushed batch of <paramref name="items"/> new items, given as their sum, minimum and
    /// maximum in seconds (the writer loop keeps no per-item list). Records the minimum, the maximum, and the other
    /// items at the mean of the rest, so the histogram's count, sum, minimum and maximum are exact; only the spread of
    /// the middle items of one batch over the buckets is approximated.
    /// </summary>
    public void ItemsDelivered(int items, double sum, double min, double max)
    {
        Debug.Assert(items > 0);
        if (items == 1)
        {
            _deliveryDuration.Record(min);
            return;
        }

        _deliveryDuration.Record(min);
        _deliveryDuration.Record(max);
        if (items > 2)
        {
            // Clamped: latencies made 0 by clock skew can leave the rest's mean outside [min, max].
            var middle = Math.Clamp((sum - min - max) / (items - 2), min, max);
            for (var i = 2; i < items; i++)
            {
                _deliveryDuration.Record(middle);
            }
        }
    }

    /// <summary>A poll of the store completed (<paramref name="error"/> is <see langword="null"/>) or failed.</summary>
    public void PollCompleted(TimeSpan duration, Exception? error)
    {
        if (error is null)
        {
            _pollDuration.Record(duration.TotalSeconds);
        }
        else
        {
            _pollDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>(Tags.ErrorType, error.GetType().FullName));
        }
    }
}
