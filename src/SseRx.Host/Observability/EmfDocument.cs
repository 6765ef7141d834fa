using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SseRx.Host.Observability;

/// <summary>
/// One CloudWatch Embedded Metric Format document: a single JSON line holding the <c>_aws</c> metadata (timestamp, one
/// metric directive with one dimension set), the dimension members and the metric members.
/// </summary>
/// <remarks>
/// Follows the EMF specification: <c>_aws.Timestamp</c> in Unix milliseconds; one directive with a namespace, one
/// dimension set (far under the 30-dimension limit) and at most 100 metric definitions; every referenced name present
/// at the root; values are numbers or arrays of at most 100 numbers; units from the CloudWatch list. Built and written by
/// one thread (<see cref="EmfExporter"/>).
/// </remarks>
internal sealed class EmfDocument(string metricNamespace, IReadOnlyList<KeyValuePair<string, string>> dimensions, DateTimeOffset timestamp)
{
    /// <summary>The <c>Service</c> dimension's name.</summary>
    public const string ServiceDimension = "Service";

    /// <summary>The <c>Role</c> dimension's name.</summary>
    public const string RoleDimension = "Role";

    /// <summary>The most values EMF accepts for one metric in one document.</summary>
    public const int MaxValues = 100;

    private readonly List<(string Name, string Unit, double[] Values)> _metrics = [];

    /// <summary>Adds a metric: one value, or up to <see cref="MaxValues"/> values that CloudWatch turns into statistics.</summary>
    public void Add(string name, string unit, double[] values) => _metrics.Add((name, unit, values));

    /// <summary>The document as one line, ending with <c>\n</c>.</summary>
    public string Format()
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
            foreach (var (name, _) in dimensions)
            {
                json.WriteStringValue(name);
            }

            json.WriteEndArray();
            json.WriteEndArray();
            json.WriteStartArray("Metrics");
            foreach (var (name, unit, _) in _metrics)
            {
                json.WriteStartObject();
                json.WriteString("Name", name);
                json.WriteString("Unit", unit);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();

            foreach (var (name, value) in dimensions)
            {
                json.WriteString(name, value);
            }

            foreach (var (name, _, values) in _metrics)
            {
                if (values.Length == 1)
                {
                    json.WriteNumber(name, values[0]);
                    continue;
                }

                json.WriteStartArray(name);
                foreach (var value in values)
                {
                    json.WriteNumberValue(value);
                }

                json.WriteEndArray();
            }

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
}
