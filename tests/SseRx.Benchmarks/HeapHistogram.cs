using System.Globalization;
using Microsoft.Diagnostics.Runtime;

namespace SseRx.Benchmarks;

/// <summary>
/// Prints the live objects of another .NET process grouped by type (count and bytes), largest first, the way
/// <c>dotnet-gcdump report</c> would; that tool is not installed here. Divide a type's count by the number of open
/// streams to see what each stream holds.
/// </summary>
/// <remarks>
/// Uses ClrMD, which BenchmarkDotNet already brings in. The target is suspended while its heap is walked (a few seconds
/// at 19,000 streams), so run it only against a load-test server, never against one serving users. Objects that are
/// garbage but not yet collected are counted too; make the target collect first (<c>counters --full-gc</c>).
/// </remarks>
internal static class HeapHistogram
{
    public const string Usage = "SseRx.Benchmarks heap --pid PID [--top 40] [--per N]";

    public static int Run(IReadOnlyList<string> args)
    {
        int? pid = null;
        var top = 40;
        var per = 0;
        for (var i = 0; i + 1 < args.Count; i += 2)
        {
            switch (args[i])
            {
                case "--pid": pid = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--top": top = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                case "--per": per = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine(Usage); return 2;
            }
        }

        if (pid is null || args.Count % 2 != 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        using var target = DataTarget.AttachToProcess(pid.Value, suspend: true);
        using var runtime = target.ClrVersions[0].CreateRuntime();
        var byType = new Dictionary<string, (long Count, long Bytes)>(StringComparer.Ordinal);
        long totalCount = 0, totalBytes = 0;
        foreach (var obj in runtime.Heap.EnumerateObjects())
        {
            if (!obj.IsValid || obj.IsFree)
            {
                continue;
            }

            var name = obj.Type?.Name ?? "<unknown>";
            var size = (long)obj.Size;
            byType.TryGetValue(name, out var entry);
            byType[name] = (entry.Count + 1, entry.Bytes + size);
            totalCount++;
            totalBytes += size;
        }

        var perHeader = per > 0 ? string.Create(CultureInfo.InvariantCulture, $" | per {per:N0}: count | per {per:N0}: bytes") : "";
        Console.WriteLine($"| type | count | bytes{perHeader} |");
        Console.WriteLine(per > 0 ? "|---|---|---|---|---|" : "|---|---|---|");
        foreach (var (name, (count, bytes)) in byType.OrderByDescending(static p => p.Value.Bytes).Take(top))
        {
            var perCells = per > 0
                ? string.Create(CultureInfo.InvariantCulture, $" | {(double)count / per:F2} | {(double)bytes / per:F0}")
                : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name.Replace('|', '/')} | {count:N0} | {bytes:N0}{perCells} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| (all) | {totalCount:N0} | {totalBytes:N0} |"));
        return 0;
    }
}
