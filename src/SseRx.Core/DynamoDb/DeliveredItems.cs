namespace SseRx.DynamoDb;

/// <summary>
/// The ids of the items a poller has already delivered (or loaded at bootstrap) whose timestamps still fall inside
/// the overlap the next query re-reads. Older ids are evicted, so the set holds about 2 × ClockSkew of items.
/// </summary>
/// <remarks>Not thread-safe: one poller owns it.</remarks>
internal sealed class DeliveredItems
{
    private readonly Dictionary<string, long> _timestamps = new(StringComparer.Ordinal);
    private readonly PriorityQueue<string, long> _byAge = new();

    public int Count => _timestamps.Count;

    public bool Contains(string itemId) => _timestamps.ContainsKey(itemId);

    public void Add(string itemId, long unixMilliseconds)
    {
        if (_timestamps.TryGetValue(itemId, out var known) && known >= unixMilliseconds)
        {
            return;
        }

        _timestamps[itemId] = unixMilliseconds;
        _byAge.Enqueue(itemId, unixMilliseconds);
    }

    /// <summary>Forgets every id stamped before <paramref name="horizon"/>: no later query reads that far back.</summary>
    public void EvictBefore(long horizon)
    {
        while (_byAge.TryPeek(out var itemId, out var stamped) && stamped < horizon)
        {
            _byAge.Dequeue();

            // An id re-added with a later timestamp has a newer queue entry; only the latest one removes it.
            if (_timestamps.TryGetValue(itemId, out var latest) && latest == stamped)
            {
                _timestamps.Remove(itemId);
            }
        }
    }
}
