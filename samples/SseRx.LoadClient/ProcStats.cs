using System.Globalization;

namespace SseRx.LoadClient;

/// <summary>Reads a process's memory and CPU time from <c>/proc</c> (Linux only).</summary>
internal static class ProcStats
{
    /// <summary>Resident set size (<c>VmRSS</c>) in bytes, or null if the process is gone.</summary>
    public static long? ReadRss(int pid) => ReadStatusKilobytes(pid, "VmRSS:") is { } kb ? kb * 1024 : null;

    /// <summary>Threads of the process, or null if it is gone.</summary>
    public static long? ReadThreads(int pid) => ReadStatusKilobytes(pid, "Threads:");

    /// <summary>User plus system CPU time, in seconds, or null if the process is gone.</summary>
    public static double? ReadCpuSeconds(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // The command name (field 2) may hold spaces; fields after its closing parenthesis are plain.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux x64.
    }

    /// <summary>CPU ticks of the whole machine since boot, from the first line of <c>/proc/stat</c>: (busy, total).</summary>
    public static (long Busy, long Total) ReadMachineCpuTicks()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long total = 0, idle = 0;
        for (var i = 1; i < fields.Length; i++)
        {
            var value = long.Parse(fields[i], CultureInfo.InvariantCulture);
            total += value;
            if (i is 4 or 5)
            {
                idle += value; // idle and iowait
            }
        }

        return (total - idle, total);
    }

    /// <summary>The one-minute load average (runnable threads, machine-wide).</summary>
    public static double ReadLoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The soft limit on open files for this process (<c>ulimit -n</c>).</summary>
    public static long? OpenFileLimit()
    {
        foreach (var line in File.ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var soft = line["Max open files".Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                return soft == "unlimited" ? long.MaxValue : long.Parse(soft, CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    private static long? ReadStatusKilobytes(int pid, string key)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                {
                    var value = line[key.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                    return long.Parse(value, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            return null;
        }

        return null;
    }
}
