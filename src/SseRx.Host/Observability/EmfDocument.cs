using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SseRx.Host.Observability;

/// <summary>
/// Writes one CloudWatch Embedded Metric Format document: a single JSON line holding the <c>_aws</c> metadata
/// (timestamp, one metric directive), the dimension members and the metric members.
/// </summary>
/// <remarks>
/// Follows the EMF specification: <c>_aws.Timestamp</c> in Unix milliseconds; one directive with a namespace, one
/// dimension set (<c>[["Service","Role"]]</c>, far under the 30-dimension limit) and at most 100 metric definitions;
/// every referenced name present at the root; values are numbers or arrays of at most 100 numbers; units from the
/// CloudWatch list. A metric whose distribution is empty is left out (an empty array would be rejected). Stateless and
/// thread-safe.
/// </remarks>
internal static class EmfDocument
{
    /// <summary>The <c>Service</c> dimension's name.</summary>
    public const string ServiceDimension = "Service";

    /// <summary>The <c>Role</c> dimension's name.</summary>
    public const string RoleDimension = "Role";

    /// <summary>A root member (not a metric) naming what triggered the flush.</summary>
    public const string FlushReasonMember = "FlushReason";

    /// <summary>The metrics' names and CloudWatch units.</summary>
    public static class Metrics
    {
        /// <summary>Open streams at the flush (Count, a gauge).</summary>
        public const string ActiveConnections = "ActiveConnections";

        /// <summary>Events flushed to clients in the period, over all connections (Count).</summary>
        public const string EventsSent = "EventsSent";

        /// <summary><see cref="EventsSent"/> per second of the period (Count/Second).</summary>
        public const string EventThroughput = "EventThroughput";

        /// <summary>A <c>new_item</c>'s ingest timestamp to the flush that wrote it (Milliseconds, up to 100 values).</summary>
        public const string IngestToFlushLatency = "IngestToFlushLatency";

        /// <summary>How long each poll of the store took (Milliseconds, up to 100 values).</summary>
        public const string PollDuration = "PollDuration";

        /// <summary>Failed polls of the store in the period (Count).</summary>
        public const string PollErrors = "PollErrors";

        /// <summary>Streams refused with 503 in the period (Count).</summary>
        public const string RejectedConnections = "RejectedConnections";
    }

    private const string Count = "Count";
    private const string CountPerSecond = "Count/Second";
    private const string Milliseconds = "Milliseconds";

    /// <summary>Formats <paramref name="sample"/> as one EMF line, ending with <c>\n</c>.</summary>
    /// <param name="sample">The period's metrics.</param>
    /// <param name="metricNamespace">The CloudWatch namespace.</param>
    /// <param name="service">The <c>Service</c> dimension's value.</param>
    /// <param name="role">The <c>Role</c> dimension's value.</param>
    /// <param name="timestamp">When the metrics were taken.</param>
    /// <param name="reason">What triggered the flush (<c>interval</c>, <c>idle</c>, <c>shutdown</c>).</param>
    public static string Format(EmfSample sample, string metricNamespace, string service, string role, DateTimeOffset timestamp, string reason)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("_aws");
            json.WriteNumber("Timestamp", timestamp.ToUnixTimeMilliseconds());
            json.WriteStartArray("CloudWatchMetrics");
            json.WriteStartObject();
            json.WriteString("Namespace", metricNamespace);
            json.WriteStartArray("Dimensions");
            json.WriteStartArray();
            json.WriteStringValue(ServiceDimension);
            json.WriteStringValue(RoleDimension);
            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            Definition(json, Metrics.ActiveConnections, Count);
            Definition(json, Metrics.EventsSent, Count);
            Definition(json, Metrics.EventThroughput, CountPerSecond);
            if (sample.IngestToFlushLatency.Length > 0)
            {
                Definition(json, Metrics.IngestToFlushLatency, Milliseconds);
            }

            if (sample.PollDuration.Length > 0)
            {
                Definition(json, Metrics.PollDuration, Milliseconds);
            }

            Definition(json, Metrics.PollErrors, Count);
            Definition(json, Metrics.RejectedConnections, Count);
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            json.WriteString(ServiceDimension, service);
            json.WriteString(RoleDimension, role);
            json.WriteNumber(Metrics.ActiveConnections, sample.ActiveConnections);
            json.WriteNumber(Metrics.EventsSent, sample.EventsSent);
            json.WriteNumber(Metrics.EventThroughput, Math.Round(sample.EventThroughput, 3));
            Values(json, Metrics.IngestToFlushLatency, sample.IngestToFlushLatency);
            Values(json, Metrics.PollDuration, sample.PollDuration);
            json.WriteNumber(Metrics.PollErrors, sample.PollErrors);
            json.WriteNumber(Metrics.RejectedConnections, sample.RejectedConnections);
            json.WriteString(FlushReasonMember, reason);
            json.WriteEndObject();
        }

        return string.Concat(Encoding.UTF8.GetString(buffer.WrittenSpan), "\n");
    }

    /// <summary>
    /// Whether <paramref name="value"/> can be a CloudWatch namespace: 1 to 255 characters from
    /// <c>[A-Za-z0-9 ._/#:-]</c>, not starting with <c>:</c> or <c>AWS/</c> (reserved for AWS).
    /// </summary>
    public static bool IsValidName(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 255 || value[0] == ':' ||
            value.StartsWith("AWS/", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is ' ' or '.' or '_' or '/' or '#' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> can be a dimension value: 1 to 1024 printable ASCII characters, not all blank.</summary>
    public static bool IsValidDimensionValue(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > 1024)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    private static void Definition(Utf8JsonWriter json, string name, string unit)
    {
        json.WriteStartObject();
        json.WriteString("Name", name);
        json.WriteString("Unit", unit);
        json.WriteEndObject();
    }

    private static void Values(Utf8JsonWriter json, string name, double[] values)
    {
        if (values.Length == 0)
        {
            return;
        }

        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }
}
