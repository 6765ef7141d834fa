using System.Reactive.Concurrency;
using SseRx.Sentiment;

namespace SseRx.InMemory;

/// <summary>
/// An in-process store of analysed items: the embedded default that SseRx runs on with no AWS.
/// </summary>
/// <remarks>
/// Keeps the items of the metrics window (24 hours) plus an index by event id, so a fetch after a cursor costs
/// the number of new items, not the store's size. Thread-safe: writers and the poller may run concurrently.
/// </remarks>
public sealed class InMemorySentimentStore : ISentimentSource, ISentimentHistory
{
    /// <summary>Creates an empty store whose clock is <paramref name="scheduler"/>.</summary>
    public InMemorySentimentStore(IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        throw new NotImplementedException();
    }

    /// <summary>Items held.</summary>
    public int Count => throw new NotImplementedException();

    /// <summary>Adds an item.</summary>
    /// <exception cref="ArgumentException">The item is invalid (see <see cref="SentimentItem.Validate"/>); nothing is stored.</exception>
    public void Add(SentimentItem item) => throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken) => throw new NotImplementedException();

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<SentimentItem>> ReadAfterAsync(SseEventId after, int maxItems, CancellationToken cancellationToken) =>
        throw new NotImplementedException();
}
