using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SseRx.LoadClient;

/// <summary>
/// Prints a markdown comparison of result lines written by <c>run</c> and <c>startup</c>. Labels are
/// <c>{server}/{scenario}</c>; the first server seen is the subject, the second the baseline, and the ratio is
/// subject relative to baseline, oriented so that above 1 means the subject is better.
/// </summary>
internal static class Comparison
{
    public static int Run(IReadOnlyList<string> files)
    {
        var loads = new List<LoadResult>();
        var startups = new List<StartupResult>();
        foreach (var line in files.SelectMany(File.ReadLines).Where(l => l.StartsWith('{')))
        {
            if (line.Contains("\"median_first_event_ms\"", StringComparison.Ordinal))
            {
                startups.Add(JsonSerializer.Deserialize(line, LoadJsonContext.Default.StartupResult)!);
            }
            else
            {
                loads.Add(JsonSerializer.Deserialize(line, LoadJsonContext.Default.LoadResult)!);
            }
        }

        var servers = loads.Select(r => Split(r.Label).Server).Distinct().ToList();
        if (servers.Count == 0)
        {
            Console.Error.WriteLine("No load results found.");
            return 1;
        }

        var subject = servers[0];
        var baseline = servers.Count > 1 ? servers[1] : null;
        var output = new StringBuilder();
        var others = servers.Skip(2).ToList();
        var otherHeader = string.Concat(others.Select(o => $" {o} |"));
        output.AppendLine(CultureInfo.InvariantCulture, $"| scenario | metric | {subject} | {baseline ?? "-"} | {subject} vs {baseline ?? "-"} | target |{otherHeader}");
        output.AppendLine("|---|---|---|---|---|---|" + string.Concat(others.Select(_ => "---|")));
        foreach (var scenario in loads.Select(r => Split(r.Label).Scenario).Distinct())
        {
            var s = loads.LastOrDefault(r => r.Label == $"{subject}/{scenario}");
            var b = baseline is null ? null : loads.LastOrDefault(r => r.Label == $"{baseline}/{scenario}");
            void Row(string metric, Func<LoadResult, double?> value, string format, bool? higherIsBetter, string target = "")
            {
                var sv = s is null ? null : value(s);
                var bv = b is null ? null : value(b);
                var ratio = sv is > 0 && bv is > 0 && higherIsBetter is { } higher ? (higher ? sv / bv : bv / sv) : null;
                var otherValues = string.Concat(others.Select(o =>
                    loads.LastOrDefault(r => r.Label == $"{o}/{scenario}") is { } or ? $" {Fmt(value(or), format)} |" : " |"));
                output.AppendLine(CultureInfo.InvariantCulture,
                    $"| {scenario} | {metric} | {Fmt(sv, format)} | {Fmt(bv, format)} | {(ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "x" : "-")} | {target} |{otherValues}");
            }

            Row("streams open / asked", r => r.Opened, "N0", true, scenario.StartsWith("idle", StringComparison.Ordinal) ? "19,000 in one process" : "");
            Row("pending (connected, no response head)", r => r.Pending, "N0", null);
            Row("alive when measuring began", r => r.AliveWhenMeasuring, "N0", true);
            Row("refused + failed", r => r.Refused + r.Failed, "N0", false);
            Row("RSS per stream (KiB)", r => r.RssPerStreamKb, "N2", false, scenario.StartsWith("idle", StringComparison.Ordinal) ? "<= 13 KiB per idle stream" : scenario.StartsWith("fanout", StringComparison.Ordinal) ? "<= 15 KiB at 10 events/s" : "");
            Row("server RSS at end (MiB)", r => r.ServerRssEndBytes / 1048576.0, "N0", false);
            if (!scenario.StartsWith("idle", StringComparison.Ordinal))
            {
                Row("deliveries/s", r => r.DeliveriesPerSecond, "N0", true, scenario.StartsWith("saturated", StringComparison.Ordinal) ? ">= 2x stock" : "");
                Row("new_item deliveries/s", r => r.NewItemsPerSecond, "N0", true);
                Row("spread p50 (ms)", r => r.SpreadP50Ms, "N1", false);
                Row("spread p99 (ms)", r => r.SpreadP99Ms, "N1", false, scenario.StartsWith("fanout", StringComparison.Ordinal) ? "<= 50 ms" : "");
                Row("spread max (ms)", r => r.SpreadMaxMs, "N1", false);
                Row("lost while measuring", r => r.Lost, "N0", false);
                Row("distinct ids/s", r => r.DistinctIdsPerSecond, "N1", null);
                Row("distinct metrics ids/s (changed polls/s)", r => r.DistinctMetricsIdsPerSecond, "N1", null);
                Row("store fetches/s (server's /health)", r => r.StoreFetchesPerSecond, "N2", null,
                    scenario.StartsWith("polls", StringComparison.Ordinal) ? "1 poll per interval at any stream count" : "");
            }

            Row("server CPU (cores)", r => r.ServerCpuCores, "N2", null);
            Row("client CPU (cores)", r => r.ClientCpuCores, "N2", null);
            Row("machine CPU busy (cores, all processes)", r => r.MachineCpuCores, "N2", null);
            Row("load average (1 min)", r => r.LoadAverage, "N1", null);
        }

        foreach (var startup in startups)
        {
            output.AppendLine(CultureInfo.InvariantCulture,
                $"| startup | {startup.Label}: start to first SSE event, median of {startup.Runs} (ms) | {startup.MedianFirstEventMs:N1} | | | <= 300 ms (R2R) |");
        }

        Console.Write(output.ToString());
        return 0;
    }

    private static (string Server, string Scenario) Split(string label)
    {
        var slash = label.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (label, "default") : (label[..slash], label[(slash + 1)..]);
    }

    private static string Fmt(double? value, string format) =>
        value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "n/a";
}
