using System.Numerics;

namespace SseRx.Host.Observability;

/// <summary>
/// A lock-free histogram of non-negative millisecond values for one EMF metric, drained once per flush period into
/// at most <see cref="MaxValues"/> values (the EMF limit per metric) that CloudWatch turns into statistics.
/// </summary>
/// <remarks>
/// <para>
/// Values 0 to 7 are kept exactly; larger ones in four buckets per power of two (at most 25 % relative error, up to
/// about 35 years). Recording is a few <see cref="Interlocked"/> operations on preallocated arrays: no allocation, no
/// lock, safe from any thread. The exact minimum and maximum are tracked beside the buckets.
/// </para>
/// <para>
/// <see cref="Drain"/> returns evenly spaced quantiles of the period's values (one value per sample while there are
/// at most 100, so CloudWatch's SampleCount is then exact), with the first and last replaced by the exact minimum and
/// maximum. CloudWatch's Average, Minimum, Maximum and percentiles over those values estimate the period's own; its
/// SampleCount is capped at 100. A value recorded while a drain runs may land in the next period.
/// </para>
/// </remarks>
internal sealed class EmfDistribution
{
    /// <summary>The most values EMF accepts for one metric in one document.</summary>
    public const int MaxValues = 100;

    private const int ExactBelow = 8;
    private const int SubBucketBits = 2;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int MaxExponent = 40;
    private const int BucketCount = ExactBelow + ((MaxExponent - 2) * SubBuckets);

    private readonly long[] _counts = new long[BucketCount];
    private long _min = long.MaxValue;
    private long _max = long.MinValue;

    /// <summary>Records one value; negative values (clock skew) count as 0.</summary>
    public void Record(long value) => Record(1, value, value, value);

    /// <summary>
    /// Records <paramref name="count"/> values summarised by their mean, minimum and maximum (one flush's worth),
    /// so a batch costs the same as one value. The values land in the mean's bucket; the extremes stay exact.
    /// </summary>
    public void Record(long count, long mean, long min, long max)
    {
        if (count <= 0)
        {
            return;
        }

        Interlocked.Add(ref _counts[Bucket(Math.Max(0, mean))], count);
        LowerTo(ref _min, Math.Max(0, min));
        RaiseTo(ref _max, Math.Max(0, max));
    }

    /// <summary>
    /// Takes the values recorded since the last drain and resets: at most <see cref="MaxValues"/> values in ascending
    /// order, or an empty array when nothing was recorded.
    /// </summary>
    public double[] Drain()
    {
        var counts = new long[BucketCount];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Interlocked.Exchange(ref _counts[i], 0);
            total += counts[i];
        }

        var min = Interlocked.Exchange(ref _min, long.MaxValue);
        var max = Interlocked.Exchange(ref _max, long.MinValue);
        if (total == 0)
        {
            return [];
        }

        var size = (int)Math.Min(total, MaxValues);
        var values = new double[size];
        var bucket = 0;
        long below = 0;
        for (var i = 0; i < size; i++)
        {
            // The sample at the middle of the i-th of `size` equal slices of the ranked values.
            var rank = (long)((i + 0.5) * total / size);
            while (below + counts[bucket] <= rank)
            {
                below += counts[bucket];
                bucket++;
            }

            values[i] = Midpoint(bucket);
        }

        // A concurrent record can make the extremes disagree with the buckets; keep the buckets' answer then.
        if (min <= max)
        {
            for (var i = 0; i < size; i++)
            {
                values[i] = Math.Clamp(values[i], min, max);
            }

            values[0] = min;
            values[^1] = max;
        }

        return values;
    }

    /// <summary>The bucket of a non-negative value.</summary>
    internal static int Bucket(long value)
    {
        if (value < ExactBelow)
        {
            return (int)value;
        }

        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)value);
        if (exponent > MaxExponent)
        {
            return BucketCount - 1;
        }

        var sub = (int)((value >> (exponent - SubBucketBits)) & (SubBuckets - 1));
        return ExactBelow + ((exponent - 3) * SubBuckets) + sub;
    }

    /// <summary>The value that stands for a bucket: the bucket's value, or the middle of its range.</summary>
    internal static double Midpoint(int bucket)
    {
        if (bucket < ExactBelow)
        {
            return bucket;
        }

        var exponent = ((bucket - ExactBelow) / SubBuckets) + 3;
        var sub = (bucket - ExactBelow) % SubBuckets;
        var width = 1L << (exponent - SubBucketBits);
        var lower = (SubBuckets + sub) * width;
        return lower + ((width - 1) / 2.0);
    }

    private static void LowerTo(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value < current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    private static void RaiseTo(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
