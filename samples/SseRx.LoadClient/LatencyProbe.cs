using System.Globalization;

namespace SseRx.LoadClient;

/// <summary>
/// Measures ingest to client: reads one stream for a while and, for every event of the given type, takes the time it
/// arrived (this machine's clock, in Unix milliseconds) minus the time its id carries (the 13 digits before the dash:
/// when the item was stamped, just before the store write). Both clocks are this machine's, so the difference is the
/// item's whole path: the store, the poll that read it, the journal, the write and the flush.
/// </summary>
internal static class LatencyProbe
{
    public const string Usage = """
        SseRx.LoadClient latency --url URL [--duration S] [--event new_item]
          Reads one stream on URL (loopback only) for S seconds (default 120) and prints, over every event of the given
          type, the time from the stamp in its id to its arrival: count, p50, p90, p99 and max in milliseconds.
        """;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var url = "http://127.0.0.1:5080/api/v2/stream";
        var duration = TimeSpan.FromSeconds(120);
        var eventType = "new_item";
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--url": url = value; break;
                case "--duration": duration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
                case "--event": eventType = value; break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        LoopbackTarget.Parse(url);
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var stop = new CancellationTokenSource(duration);
        var latencies = new List<long>();
        try
        {
            using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, stop.Token);
            response.EnsureSuccessStatusCode();
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(stop.Token));
            string? type = null;
            string? id = null;
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    var arrived = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                    if (type == eventType && id is { Length: > 13 } && long.TryParse(id.AsSpan(0, 13), CultureInfo.InvariantCulture, out var stamped))
                    {
                        latencies.Add(arrived - stamped);
                    }

                    type = id = null;
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    type = line[6..].Trim();
                }
                else if (line.StartsWith("id:", StringComparison.Ordinal))
                {
                    id = line[3..].Trim();
                }
            }

            Console.Error.WriteLine("The stream ended before the duration was up.");
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The duration is up.
        }

        if (latencies.Count == 0)
        {
            Console.WriteLine($"No '{eventType}' event arrived in {duration.TotalSeconds:0} s.");
            return 1;
        }

        latencies.Sort();
        long At(double q) => latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(q * latencies.Count) - 1)];
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{eventType}: {latencies.Count} events in {duration.TotalSeconds:0} s; stamp to arrival p50 {At(0.50)} ms, p90 {At(0.90)} ms, p99 {At(0.99)} ms, max {latencies[^1]} ms, min {latencies[0]} ms"));
        return 0;
    }
}
