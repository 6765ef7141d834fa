using System.Collections.Concurrent;
using System.Numerics;

namespace SseRx.LoadClient;

/// <summary>
/// A log-linear histogram of microsecond values: exact below 1,024 µs, then 512 sub-buckets per power of two
/// (under 0.2 % error), up to about 19 hours. Recording is a shift and an increment, never an allocation.
/// </summary>
/// <remarks>One instance per recording thread (see <see cref="ForCurrentThread"/>); merge them to read.</remarks>
internal sealed class LatencyHistogram
{
    private const int Linear = 1024;
    private const int SubBuckets = 512;
    private const int Exponents = 27;

    [ThreadStatic]
    private static LatencyHistogram? t_current;

    private static readonly ConcurrentQueue<LatencyHistogram> s_all = new();

    private readonly long[] _counts = new long[Linear + (Exponents * SubBuckets)];

    public long Count { get; private set; }

    public long Max { get; private set; }

    /// <summary>This thread's histogram, created and registered on first use.</summary>
    public static LatencyHistogram ForCurrentThread()
    {
        var current = t_current;
        if (current is null)
        {
            current = new LatencyHistogram();
            t_current = current;
            s_all.Enqueue(current);
        }

        return current;
    }

    /// <summary>Merges every thread's histogram. Call once the recording threads are quiet.</summary>
    public static LatencyHistogram MergeAll()
    {
        var merged = new LatencyHistogram();
        foreach (var part in s_all)
        {
            for (var i = 0; i < part._counts.Length; i++)
            {
                merged._counts[i] += part._counts[i];
            }

            merged.Count += part.Count;
            merged.Max = Math.Max(merged.Max, part.Max);
        }

        return merged;
    }

    public void Record(long microseconds)
    {
        if (microseconds < 0)
        {
            microseconds = 0;
        }

        _counts[IndexOf(microseconds)]++;
        Count++;
        if (microseconds > Max)
        {
            Max = microseconds;
        }
    }

    /// <summary>The value at <paramref name="quantile"/> (0 to 1) in microseconds, as its bucket's upper bound.</summary>
    public long Percentile(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(quantile * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= Math.Max(rank, 1))
            {
                return Math.Min(UpperBound(i), Max);
            }
        }

        return Max;
    }

    private static int IndexOf(long value)
    {
        if (value < Linear)
        {
            return (int)value;
        }

        // value >> shift falls in [512, 1024), so each power of two above 1,024 gets 512 buckets.
        var shift = 63 - BitOperations.LeadingZeroCount((ulong)value) - 9;
        if (shift > Exponents)
        {
            return Linear + (Exponents * SubBuckets) - 1;
        }

        return Linear + ((shift - 1) * SubBuckets) + (int)((value >> shift) - SubBuckets);
    }

    private static long UpperBound(int index)
    {
        if (index < Linear)
        {
            return index;
        }

        var shift = ((index - Linear) / SubBuckets) + 1;
        var sub = ((index - Linear) % SubBuckets) + SubBuckets;
        return ((long)(sub + 1) << shift) - 1;
    }
}
