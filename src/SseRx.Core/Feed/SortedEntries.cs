namespace SseRx;

/// <summary>
/// Entries ordered by position, for <see cref="InMemoryEntryLog{TEntry}"/>: appends, finds a position by binary search,
/// reads a range in O(log n + k) and drops the oldest in amortised O(1). Not thread-safe: the log guards it.
/// </summary>
/// <remarks>
/// A sorted list rather than a tree: the log stamps entries in order, so almost every insert is an append. Dropped
/// slots are skipped by an offset and compacted once they make up half the list, so dropping never shifts the list per
/// entry.
/// </remarks>
/// <typeparam name="TEntry">The entry type.</typeparam>
internal sealed class SortedEntries<TEntry>
{
    private readonly List<Slot> _slots = [];
    private int _start;

    /// <summary>The number of entries held.</summary>
    public int Count => _slots.Count - _start;

    /// <summary>The position of the oldest entry; only when <see cref="Count"/> is above 0.</summary>
    public SseEventId Oldest => _slots[_start].Position;

    /// <summary>Whether an entry is held at <paramref name="position"/>.</summary>
    public bool Contains(SseEventId position)
    {
        var after = FirstAfter(position);
        return after > _start && _slots[after - 1].Position == position;
    }

    /// <summary>Inserts an entry at a position not held yet.</summary>
    public void Insert(SseEventId position, TEntry entry)
    {
        var slot = new Slot(position, entry);
        if (Count == 0 || position > _slots[^1].Position)
        {
            _slots.Add(slot);
            return;
        }

        // Before the newest: only an entry with a key of the consumer's, within the newest millisecond, so the shift is short.
        _slots.Insert(FirstAfter(position), slot);
    }

    /// <summary>Drops the oldest entry (there is one) and returns its position.</summary>
    public SseEventId RemoveOldest()
    {
        var position = _slots[_start].Position;

        // Clear the slot, so the entry is not kept alive until the next compaction.
        _slots[_start] = default;
        _start++;
        if (_start == _slots.Count)
        {
            _slots.Clear();
            _start = 0;
        }
        else if (_start >= _slots.Count / 2 && _start >= 64)
        {
            _slots.RemoveRange(0, _start);
            _start = 0;
        }

        return position;
    }

    /// <summary>The entries in <paramref name="range"/>: up to its maximum, the oldest first or, when it asks, the newest first.</summary>
    public TEntry[] Read(EntryRange range)
    {
        var first = FirstAfter(range.After);
        var end = FirstAfter(range.Through);
        var count = Math.Min(range.MaxEntries, end - first);
        if (count <= 0)
        {
            return [];
        }

        var entries = new TEntry[count];
        for (var i = 0; i < count; i++)
        {
            entries[i] = range.NewestFirst ? _slots[end - 1 - i].Entry : _slots[first + i].Entry;
        }

        return entries;
    }

    /// <summary>The index of the first held slot whose position sorts after <paramref name="position"/> (the end if none).</summary>
    private int FirstAfter(SseEventId position)
    {
        int low = _start, high = _slots.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (_slots[mid].Position > position)
            {
                high = mid;
            }
            else
            {
                low = mid + 1;
            }
        }

        return low;
    }

    private readonly record struct Slot(SseEventId Position, TEntry Entry);
}
