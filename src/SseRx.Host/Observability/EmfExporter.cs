using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using SseRx.Host.Hosting;

namespace SseRx.Host.Observability;

/// <summary>
/// An OpenTelemetry metric exporter that writes the <see cref="SseRxMetrics.MeterName"/> meter's instruments as
/// CloudWatch Embedded Metric Format lines on stdout (through <see cref="EmfOutput"/>), where Lambda and the awslogs
/// driver hand them to CloudWatch Logs, which extracts the metrics: no CloudWatch API call, no throttling.
/// </summary>
/// <remarks>
/// <para>
/// Runs under a <see cref="PeriodicExportingMetricReader"/> with delta temporality: each export carries what changed in
/// the period (counters and histograms as deltas, the up-down counter as its current value); an instrument with no new
/// measurement is left out. Points with the same tags share one document, whose dimensions are <c>Service</c>,
/// <c>Role</c> and those tags. Other meters (ASP.NET Core's, the runtime's) are skipped: as CloudWatch custom metrics
/// every route and status code would be billed; they go over OTLP or Prometheus.
/// </para>
/// <para>
/// A histogram becomes at most 100 values (the EMF limit): evenly spaced quantiles estimated from its buckets, the first
/// and last replaced by the exact minimum and maximum, one value per measurement while there are at most 100. So
/// CloudWatch's SampleCount is exact up to 100 a period, and its other statistics are estimates within a bucket.
/// Called by one reader at a time; a failure to write is logged and reported to the SDK, never thrown.
/// </para>
/// </remarks>
internal sealed partial class EmfExporter : BaseExporter<Metric>
{
    private readonly EmfOutput _output;
    private readonly ILogger<EmfExporter> _logger;
    private readonly string _namespace;
    private readonly KeyValuePair<string, string>[] _dimensions;

    public EmfExporter(EmfOutput output, IOptions<ObservabilityOptions> options, IOptions<SseRxHostOptions> host, ILogger<EmfExporter> logger)
    {
        _output = output;
        _logger = logger;
        _namespace = options.Value.Emf.Namespace;
        _dimensions =
        [
            new(EmfDocument.ServiceDimension, options.Value.EffectiveServiceName),
            new(EmfDocument.RoleDimension, host.Value.Role.ToString().ToLowerInvariant()),
        ];
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        var documents = new Dictionary<string, EmfDocument>(StringComparer.Ordinal);
        foreach (var metric in batch)
        {
            if (!string.Equals(metric.MeterName, SseRxMetrics.MeterName, StringComparison.Ordinal))
            {
                continue;
            }

            var unit = CloudWatchUnit(metric.Unit);
            foreach (ref readonly var point in metric.GetMetricPoints())
            {
                if (Values(metric.MetricType, in point) is not { } values)
                {
                    continue;
                }

                var tags = new List<KeyValuePair<string, string>>(_dimensions);
                foreach (var tag in point.Tags)
                {
                    tags.Add(new(tag.Key, Convert.ToString(tag.Value, System.Globalization.CultureInfo.InvariantCulture) is { Length: > 0 } value ? value : "none"));
                }

                var key = string.Join('\u001f', tags.Select(t => t.Key + "=" + t.Value));
                if (!documents.TryGetValue(key, out var document))
                {
                    documents[key] = document = new EmfDocument(_namespace, tags, point.EndTime);
                }

                document.Add(metric.Name, unit, values);
            }
        }

        try
        {
            foreach (var document in documents.Values)
            {
                _output.WriteLine(document.Format());
            }

            return ExportResult.Success;
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException)
        {
            LogWriteFailed(_logger, error);
            return ExportResult.Failure;
        }
    }

    /// <summary>
    /// At most <see cref="EmfDocument.MaxValues"/> values that stand for a histogram with <paramref name="count"/>
    /// measurements: quantiles at evenly spaced ranks, interpolated linearly inside the bucket that holds each rank
    /// (buckets given by their upper bounds, the last one unbounded), with the first and last the exact extremes.
    /// </summary>
    internal static double[] Quantiles(IReadOnlyList<(double UpperBound, long Count)> buckets, long count, double min, double max)
    {
        var n = (int)Math.Min(count, EmfDocument.MaxValues);
        var values = new double[n];
        if (n == 0)
        {
            return values;
        }

        var bucket = 0;
        long before = 0;
        for (var i = 0; i < n; i++)
        {
            // The rank, in measurements, this value stands for: the middle of its share.
            var rank = (i + 0.5) * count / n;
            while (bucket < buckets.Count - 1 && before + buckets[bucket].Count < rank)
            {
                before += buckets[bucket].Count;
                bucket++;
            }

            var lower = bucket == 0 ? min : Math.Max(min, buckets[bucket - 1].UpperBound);
            var upper = Math.Min(max, buckets[bucket].UpperBound);
            var inBucket = buckets[bucket].Count;
            var fraction = inBucket == 0 ? 0 : Math.Clamp((rank - before) / inBucket, 0, 1);
            values[i] = Math.Clamp(lower + ((upper - lower) * fraction), min, max);
        }

        values[0] = min;
        values[^1] = max;
        return values;
    }

    /// <summary>The CloudWatch unit for an instrument's UCUM unit: seconds, milliseconds, bytes, else a count.</summary>
    internal static string CloudWatchUnit(string? unit) => unit switch
    {
        "s" => "Seconds",
        "ms" => "Milliseconds",
        "By" => "Bytes",
        null or "" or "1" => "Count",
        _ when unit.StartsWith('{') => "Count",
        _ => "None",
    };

    private static double[]? Values(MetricType type, in MetricPoint point)
    {
        switch (type)
        {
            case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                return [point.GetSumLong()];
            case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                return [point.GetSumDouble()];
            case MetricType.LongGauge:
                return [point.GetGaugeLastValueLong()];
            case MetricType.DoubleGauge:
                return [point.GetGaugeLastValueDouble()];
            case MetricType.Histogram:
                var count = point.GetHistogramCount();
                if (count == 0)
                {
                    return null;
                }

                if (!point.TryGetHistogramMinMaxValues(out var min, out var max))
                {
                    // Min and max are recorded unless a view turns them off; the mean is the best single value then.
                    var mean = point.GetHistogramSum() / count;
                    (min, max) = (mean, mean);
                }

                var buckets = new List<(double, long)>();
                foreach (var bucket in point.GetHistogramBuckets())
                {
                    buckets.Add((bucket.ExplicitBound, bucket.BucketCount));
                }

                return Quantiles(buckets, count, min, max);
            default:
                // Exponential histograms: none of SseRx's instruments is configured as one.
                return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing EMF metric lines failed")]
    private static partial void LogWriteFailed(ILogger logger, Exception error);
}
