using System.Diagnostics.Tracing;
using System.Globalization;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace SseRx.Benchmarks;

/// <summary>
/// Reads another .NET process's runtime counters (GC heap and generation sizes, committed memory, allocation rate,
/// GC counts, thread pool) over EventPipe, the way <c>dotnet-counters</c> does; that tool is not installed here.
/// The load scripts run it while a server holds its streams, to split RSS per stream into managed heap and the rest.
/// </summary>
/// <remarks>Uses the diagnostics client libraries BenchmarkDotNet already brings in; nothing else is installed.</remarks>
internal static class RuntimeCounters
{
    public const string Usage = "SseRx.Benchmarks counters --pid PID [--seconds 5] [--label TEXT] [--json FILE] [--full-gc]";

    // Enabling the runtime provider with this keyword makes the target run a full blocking GC (dotnet-gcdump relies on it).
    private const long GCKeyword = 0x1;
    private const long GCHeapCollectKeyword = 0x800000;

    public static int Run(IReadOnlyList<string> args)
    {
        int? pid = null;
        var seconds = 5.0;
        var label = "counters";
        string? jsonFile = null;
        var fullGc = false;
        for (var i = 0; i < args.Count; i += 2)
        {
            if (args[i] == "--full-gc")
            {
                fullGc = true;
                i--;
                continue;
            }

            if (i + 1 >= args.Count)
            {
                Console.Error.WriteLine(Usage);
                return 2;
            }

            switch (args[i])
            {
                case "--pid": pid = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--seconds": seconds = double.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--label": label = args[i + 1]; break;
                case "--json": jsonFile = args[i + 1]; break;
                default: Console.Error.WriteLine(Usage); return 2;
            }
        }

        if (pid is null)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        var last = new Dictionary<string, double>(StringComparer.Ordinal);
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        var client = new DiagnosticsClient(pid.Value);
        if (fullGc)
        {
            // Collect first, so the generation sizes read below are live data rather than garbage not yet collected.
            var gcProvider = new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Informational, GCKeyword | GCHeapCollectKeyword);
            using var gcSession = client.StartEventPipeSession([gcProvider], requestRundown: false);
            using var gcSource = new EventPipeEventSource(gcSession.EventStream);
            using var ended = new ManualResetEventSlim();
            var fullGcSeen = false;
            gcSource.Clr.GCStart += e =>
            {
                if (e.Depth == 2)
                {
                    fullGcSeen = true;
                }
            };
            gcSource.Clr.GCStop += e =>
            {
                // Any ephemeral GC may end first; wait for the end of the full one the keyword asked for.
                if (fullGcSeen)
                {
                    ended.Set();
                }
            };
            var gcProcessing = Task.Run(gcSource.Process);
            ended.Wait(TimeSpan.FromSeconds(20));
            gcSession.Stop();
            gcProcessing.Wait(TimeSpan.FromSeconds(5));
        }

        var provider = new EventPipeProvider(
            "System.Runtime",
            EventLevel.Informational,
            (long)EventKeywords.All,
            new Dictionary<string, string> { ["EventCounterIntervalSec"] = "1" });
        using var session = client.StartEventPipeSession([provider], requestRundown: false);
        using var source = new EventPipeEventSource(session.EventStream);
        source.Dynamic.All += traceEvent =>
        {
            if (traceEvent.EventName != "EventCounters" ||
                traceEvent.PayloadValue(0) is not IDictionary<string, object> outer ||
                outer["Payload"] is not IDictionary<string, object> payload)
            {
                return;
            }

            var name = (string)payload["Name"];
            var isRate = payload.ContainsKey("Increment");
            var value = Convert.ToDouble(isRate ? payload["Increment"] : payload["Mean"], CultureInfo.InvariantCulture);
            lock (last)
            {
                last[name] = value;
                sums[name] = sums.GetValueOrDefault(name) + (isRate ? value : 0);
            }
        };

        var processing = Task.Run(source.Process);
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        session.Stop();
        processing.Wait(TimeSpan.FromSeconds(5));

        string Get(string name, Func<double, double>? scale = null, string format = "0.0")
        {
            lock (last)
            {
                return last.TryGetValue(name, out var v) ? (scale?.Invoke(v) ?? v).ToString(format, CultureInfo.InvariantCulture) : "null";
            }
        }

        string Sum(string name)
        {
            lock (last)
            {
                return sums.TryGetValue(name, out var v) ? v.ToString("0", CultureInfo.InvariantCulture) : "null";
            }
        }

        static double Mb(double bytes) => bytes / 1048576.0;
        var json = string.Create(CultureInfo.InvariantCulture,
            $"{{\"label\":\"{label}\",\"pid\":{pid},\"seconds\":{seconds},\"full_gc_first\":{(fullGc ? "true" : "false")}," +
            $"\"gc_heap_size_mb\":{Get("gc-heap-size")},\"gc_committed_mb\":{Get("gc-committed")},\"working_set_mb\":{Get("working-set")}," +
            $"\"gen0_size_mb\":{Get("gen-0-size", Mb)},\"gen1_size_mb\":{Get("gen-1-size", Mb)},\"gen2_size_mb\":{Get("gen-2-size", Mb)}," +
            $"\"loh_size_mb\":{Get("loh-size", Mb)},\"poh_size_mb\":{Get("poh-size", Mb)},\"gc_fragmentation_pct\":{Get("gc-fragmentation")}," +
            $"\"alloc_bytes\":{Sum("alloc-rate")},\"gen0_gcs\":{Sum("gen-0-gc-count")},\"gen1_gcs\":{Sum("gen-1-gc-count")},\"gen2_gcs\":{Sum("gen-2-gc-count")}," +
            $"\"time_in_gc_pct\":{Get("time-in-gc")},\"threadpool_threads\":{Get("threadpool-thread-count", format: "0")}," +
            $"\"threadpool_queue\":{Get("threadpool-queue-length")},\"lock_contentions\":{Sum("monitor-lock-contention-count")}}}");
        Console.WriteLine(json);
        if (jsonFile is not null)
        {
            File.AppendAllText(jsonFile, json + Environment.NewLine);
        }

        return last.Count > 0 ? 0 : 1;
    }
}
