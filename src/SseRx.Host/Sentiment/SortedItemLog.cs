
namespace SseRx.Host.Sentiment;

/// <summary>
/// The items of an <see cref="InMemorySentimentStore"/>, ordered by <see cref="SentimentItem.EventId"/>: appends,
/// reads after a cursor in O(log n + k), and drops the oldest in amortised O(1). Not thread-safe.
/// </summary>
/// <remarks>
/// A sorted array rather than a tree: items arrive stamped with the store's clock, so almost every insert is an
/// append, and a binary search finds a cursor without walking. Dropped entries are skipped by an offset and
/// compacted once they make up half the array, which keeps eviction from shifting the array per item.
/// </remarks>
internal sealed class SortedItemLog
{
    private readonly List<Entry> _entries = [];
    private int _start;

    /// <summary>The number of items held.</summary>
    public int Count => _entries.Count - _start;

    /// <summary>The id of the newest item, or <see langword="null"/> when empty.</summary>
    /// <summary>Inserts an item whose id is not held yet.</summary>
    public void Insert(SseEventId id, SentimentItem item)
    {
        var entry = new Entry(id, item);
        if (Count == 0 || id > _entries[^1].Id)
        {
            _entries.Add(entry);
            return;
        }

        // A late item (stamped before the newest): rare, so the O(n) shift is acceptable.
        _entries.Insert(FirstAfter(id), entry);
    }

    /// <summary>Removes the oldest item if its id's timestamp is at or before <paramref name="cutoffMilliseconds"/>.</summary>
    public bool TryRemoveOldest(long cutoffMilliseconds, out SentimentItem item)
    {
        if (Count == 0 || _entries[_start].Id.UnixMilliseconds > cutoffMilliseconds)
        {
            item = null!;
            return false;
        }

        item = _entries[_start].Item;
        _entries[_start] = default;
        _start++;
        if (_start == _entries.Count)
        {
            _entries.Clear();
            _start = 0;
        }
        else if (_start >= _entries.Count / 2 && _start >= 64)
        {
            _entries.RemoveRange(0, _start);
            _start = 0;
        }

        return true;
    }

    /// <summary>The items in <paramref name="range"/>: up to its maximum, the oldest first or, when it asks, the newest first.</summary>
    public SentimentItem[] Read(EntryRange range)
    {
        var first = FirstAfter(range.After);
        var end = FirstAfter(range.Through);
        var count = Math.Min(range.MaxEntries, end - first);
        if (count <= 0)
        {
            return [];
        }

        var items = new SentimentItem[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = range.NewestFirst ? _entries[end - 1 - i].Item : _entries[first + i].Item;
        }

        return items;
    }

    /// <summary>The index of the first held entry whose id sorts after <paramref name="id"/> (the end if none).</summary>
    private int FirstAfter(SseEventId id)
    {
        int low = _start, high = _entries.Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            if (_entries[mid].Id > id)
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

    private readonly record struct Entry(SseEventId Id, SentimentItem Item);
}
