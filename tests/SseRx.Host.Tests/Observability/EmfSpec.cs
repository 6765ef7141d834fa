using System.Text;
using System.Text.Json;

namespace SseRx.Host.Tests.Observability;

/// <summary>
/// The CloudWatch Embedded Metric Format specification's structure and limits, as a checker for one stdout line:
/// a JSON object with <c>_aws</c> { <c>Timestamp</c> (Unix ms), <c>CloudWatchMetrics</c>: [ { <c>Namespace</c>,
/// <c>Dimensions</c> (arrays of at most 30 names), <c>Metrics</c> (at most 100 { <c>Name</c>, <c>Unit</c>?,
/// <c>StorageResolution</c>? }) } ] }, every referenced name a root member (dimensions: strings; metrics: a number or an
/// array of at most 100 numbers), units from CloudWatch's list, under 1 MB.
/// </summary>
public static class EmfSpec
{
    public const int MaxDocumentBytes = 1024 * 1024;
    public const int MaxDimensionsPerSet = 30;
    public const int MaxMetricsPerDirective = 100;
    public const int MaxValuesPerMetric = 100;

    /// <summary>The units CloudWatch accepts (MetricDatum.Unit).</summary>
    public static readonly HashSet<string> Units = new(StringComparer.Ordinal)
    {
        "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
        "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
        "Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
        "Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second",
        "Count/Second", "None",
    };

    /// <summary>Every problem with <paramref name="line"/> as an EMF document; empty when it is valid.</summary>
    public static List<string> Problems(string line, DateTimeOffset? now = null)
    {
        var problems = new List<string>();
        if (line.Contains('\n', StringComparison.Ordinal) || line.Contains('\r', StringComparison.Ordinal))
        {
            problems.Add("the document spans more than one line");
        }

        if (Encoding.UTF8.GetByteCount(line) >= MaxDocumentBytes)
        {
            problems.Add("the document is 1 MB or more");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line);
        }
        catch (JsonException error)
        {
            problems.Add($"not JSON: {error.Message}");
            return problems;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add("the root is not an object");
                return problems;
            }

            if (!root.TryGetProperty("_aws", out var aws) || aws.ValueKind != JsonValueKind.Object)
            {
                problems.Add("no _aws object");
                return problems;
            }

            foreach (var member in aws.EnumerateObject())
            {
                if (member.Name is not ("Timestamp" or "CloudWatchMetrics" or "LogGroupName"))
                {
                    problems.Add($"_aws has an unknown member {member.Name}");
                }
            }

            CheckTimestamp(aws, now ?? DateTimeOffset.UtcNow, problems);
            if (!aws.TryGetProperty("CloudWatchMetrics", out var directives) || directives.ValueKind != JsonValueKind.Array)
            {
                problems.Add("_aws.CloudWatchMetrics is not an array");
                return problems;
            }

            foreach (var directive in directives.EnumerateArray())
            {
                CheckDirective(root, directive, problems);
            }
        }

        return problems;
    }

    /// <summary>Fails the test unless <paramref name="line"/> is a valid EMF document.</summary>
    public static JsonElement AssertValid(string line)
    {
        var problems = Problems(line);
        Assert.True(problems.Count == 0, $"Invalid EMF: {string.Join("; ", problems)}\n{line}");
        using var document = JsonDocument.Parse(line);
        return document.RootElement.Clone();
    }

    private static void CheckTimestamp(JsonElement aws, DateTimeOffset now, List<string> problems)
    {
        if (!aws.TryGetProperty("Timestamp", out var timestamp) || timestamp.ValueKind != JsonValueKind.Number ||
            !timestamp.TryGetInt64(out var milliseconds))
        {
            problems.Add("_aws.Timestamp is not an integer number of milliseconds");
            return;
        }

        // CloudWatch drops metrics more than two weeks old or two hours ahead.
        var at = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        if (at < now - TimeSpan.FromDays(14) || at > now + TimeSpan.FromHours(2))
        {
            problems.Add($"_aws.Timestamp {at:O} is not a current time in milliseconds");
        }
    }

    private static void CheckDirective(JsonElement root, JsonElement directive, List<string> problems)
    {
        if (directive.ValueKind != JsonValueKind.Object)
        {
            problems.Add("a metric directive is not an object");
            return;
        }

        foreach (var member in directive.EnumerateObject())
        {
            if (member.Name is not ("Namespace" or "Dimensions" or "Metrics"))
            {
                problems.Add($"a metric directive has an unknown member {member.Name}");
            }
        }

        if (!directive.TryGetProperty("Namespace", out var ns) || ns.ValueKind != JsonValueKind.String ||
            ns.GetString() is not { Length: > 0 and <= 255 })
        {
            problems.Add("Namespace is not a string of 1 to 255 characters");
        }

        if (!directive.TryGetProperty("Dimensions", out var sets) || sets.ValueKind != JsonValueKind.Array)
        {
            problems.Add("Dimensions is not an array");
        }
        else
        {
            foreach (var set in sets.EnumerateArray())
            {
                if (set.ValueKind != JsonValueKind.Array)
                {
                    problems.Add("a dimension set is not an array");
                    continue;
                }

                if (set.GetArrayLength() > MaxDimensionsPerSet)
                {
                    problems.Add($"a dimension set has {set.GetArrayLength()} dimensions (at most {MaxDimensionsPerSet})");
                }

                foreach (var name in set.EnumerateArray())
                {
                    if (name.ValueKind != JsonValueKind.String)
                    {
                        problems.Add("a dimension name is not a string");
                    }
                    else if (!root.TryGetProperty(name.GetString()!, out var value) || value.ValueKind != JsonValueKind.String ||
                        value.GetString() is not { Length: > 0 and <= 1024 })
                    {
                        problems.Add($"dimension {name.GetString()} is not a root member holding a string of 1 to 1024 characters");
                    }
                }
            }
        }

        if (!directive.TryGetProperty("Metrics", out var metrics) || metrics.ValueKind != JsonValueKind.Array)
        {
            problems.Add("Metrics is not an array");
            return;
        }

        if (metrics.GetArrayLength() > MaxMetricsPerDirective)
        {
            problems.Add($"{metrics.GetArrayLength()} metric definitions (at most {MaxMetricsPerDirective})");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var definition in metrics.EnumerateArray())
        {
            CheckDefinition(root, definition, names, problems);
        }
    }

    private static void CheckDefinition(JsonElement root, JsonElement definition, HashSet<string> names, List<string> problems)
    {
        if (definition.ValueKind != JsonValueKind.Object ||
            !definition.TryGetProperty("Name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String ||
            nameElement.GetString() is not { Length: > 0 and <= 1024 } name)
        {
            problems.Add("a metric definition has no Name string");
            return;
        }

        if (!names.Add(name))
        {
            problems.Add($"metric {name} is defined twice");
        }

        foreach (var member in definition.EnumerateObject())
        {
            if (member.Name is not ("Name" or "Unit" or "StorageResolution"))
            {
                problems.Add($"metric {name} has an unknown member {member.Name}");
            }
        }

        if (definition.TryGetProperty("Unit", out var unit) && (unit.ValueKind != JsonValueKind.String || !Units.Contains(unit.GetString()!)))
        {
            problems.Add($"metric {name} has unit {unit} which CloudWatch does not accept");
        }

        if (definition.TryGetProperty("StorageResolution", out var resolution) &&
            !(resolution.ValueKind == JsonValueKind.Number && resolution.GetInt32() is 1 or 60))
        {
            problems.Add($"metric {name} has StorageResolution {resolution} (1 or 60)");
        }

        if (!root.TryGetProperty(name, out var value))
        {
            problems.Add($"metric {name} is not a root member");
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                break;
            case JsonValueKind.Array:
                var count = value.GetArrayLength();
                if (count is 0 or > MaxValuesPerMetric)
                {
                    problems.Add($"metric {name} has {count} values (1 to {MaxValuesPerMetric})");
                }

                if (value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
                {
                    problems.Add($"metric {name} has a value that is not a number");
                }

                break;
            default:
                problems.Add($"metric {name} is {value.ValueKind}, not a number or an array of numbers");
                break;
        }
    }
}
