using System.Globalization;
using System.Text.RegularExpressions;

namespace SseRx.Fleet.Tests.Infrastructure;

/// <summary>
/// One line of the shipped configuration's <c>sserx</c> access log format:
/// <c>$msec $request_method $uri $status conn=$connection proto=$server_protocol upstream=[$upstream_addr] upstream_status=[$upstream_status] time=$request_time</c>.
/// nginx writes it when the request ends, so for a stream that is when the stream ended.
/// </summary>
internal sealed partial record AccessLogLine(
    double EndedAtMs, string Method, string Uri, int Status, long Connection, string Protocol, string[] Upstreams, int[] UpstreamStatuses, double DurationMs)
{
    /// <summary>When nginx received the request (Unix milliseconds).</summary>
    public double StartedAtMs => EndedAtMs - DurationMs;

    /// <summary>Whether this was a stream request (either stream route).</summary>
    public bool IsStream => Uri == "/api/v2/stream" || Uri.EndsWith("/stream", StringComparison.Ordinal);

    public static IReadOnlyList<AccessLogLine> Parse(IEnumerable<string> lines) =>
        lines.Select(line => LinePattern().Match(line)).Where(m => m.Success).Select(m => new AccessLogLine(
            double.Parse(m.Groups["msec"].Value, CultureInfo.InvariantCulture) * 1000,
            m.Groups["method"].Value,
            m.Groups["uri"].Value,
            int.Parse(m.Groups["status"].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups["conn"].Value, CultureInfo.InvariantCulture),
            m.Groups["proto"].Value,
            Split(m.Groups["upstream"].Value),
            [.. Split(m.Groups["ustatus"].Value).Where(s => s != "-").Select(s => int.Parse(s, CultureInfo.InvariantCulture))],
            double.Parse(m.Groups["time"].Value, CultureInfo.InvariantCulture) * 1000)).ToList();

    private static string[] Split(string value) =>
        value == "-" ? [] : value.Split([", ", " : "], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^(?<msec>[\d.]+) (?<method>\S+) (?<uri>\S+) (?<status>\d+) conn=(?<conn>\d+) proto=(?<proto>\S+) upstream=\[(?<upstream>[^\]]*)\] upstream_status=\[(?<ustatus>[^\]]*)\] time=(?<time>[\d.]+)$")]
    private static partial Regex LinePattern();
}
