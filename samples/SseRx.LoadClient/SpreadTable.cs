namespace SseRx.LoadClient;

/// <summary>
/// When each event id was first received by any stream, keyed by a 64-bit hash of the id: the reference point of
/// the broadcast spread. A fixed open-addressing table claimed lock-free with compare-and-swap, so recording a
/// delivery allocates nothing.
/// </summary>
internal sealed class SpreadTable
{
    private const int MaxProbes = 64;

    private readonly long[] _keys;
    private readonly long[] _firstSeen;
    private readonly int _mask;
    private long _untracked;

    public SpreadTable(int capacityPowerOfTwo)
    {
        _keys = new long[1 << capacityPowerOfTwo];
        _firstSeen = new long[1 << capacityPowerOfTwo];
        _mask = _keys.Length - 1;
    }

    /// <summary>Ids that found no slot (the table was too full); their deliveries are not in the spread.</summary>
    public long Untracked => Volatile.Read(ref _untracked);

    /// <summary>
    /// Records that a stream received the event whose id hashes to <paramref name="hash"/> at <paramref name="timestamp"/>
    /// (a <see cref="System.Diagnostics.Stopwatch"/> timestamp). Returns false for the first receipt, which defines the
    /// reference point; otherwise true with the reference point in <paramref name="firstSeen"/>.
    /// </summary>
    public bool TryRecord(ulong hash, long timestamp, out long firstSeen)
    {
        // 0 marks an empty slot, so no key may be 0.
        var key = (long)(hash | 1);
        var index = (int)(hash >> 17) & _mask;
        for (var probe = 0; probe < MaxProbes; probe++)
        {
            var current = Volatile.Read(ref _keys[index]);
            if (current == 0)
            {
                current = Interlocked.CompareExchange(ref _keys[index], key, 0);
                if (current == 0)
                {
                    Volatile.Write(ref _firstSeen[index], timestamp);
                    firstSeen = timestamp;
                    return false;
                }
            }

            if (current == key)
            {
                // The claimer writes its timestamp right after the CAS; wait out that window.
                var spin = new SpinWait();
                while ((firstSeen = Volatile.Read(ref _firstSeen[index])) == 0)
                {
                    spin.SpinOnce();
                }

                return true;
            }

            index = (index + 1) & _mask;
        }

        Interlocked.Increment(ref _untracked);
        firstSeen = 0;
        return false;
    }
}
