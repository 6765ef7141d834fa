namespace SseRx.Sentiment;

/// <summary>Adapts an <see cref="ISentimentHistory"/> store to the journal's <see cref="IEventHistory"/>.</summary>
public sealed class SentimentHistory : IEventHistory
{
    private readonly ISentimentHistory _store;

    /// <summary>Creates the adapter.</summary>
    /// <param name="store">The store to read; the adapter is as thread-safe as it is, and does not own or dispose it.</param>
    public SentimentHistory(ISentimentHistory store)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<SseEvent>?> ReadAfterAsync(SseEventId after, int maxEvents, CancellationToken cancellationToken)
    {
        var items = await _store.ReadAfterAsync(after, maxEvents, cancellationToken).ConfigureAwait(false);
        if (items is null)
        {
            return null;
        }

        var events = new SseEvent[items.Count];
        for (var i = 0; i < items.Count; i++)
        {
            events[i] = SentimentEvents.NewItem(items[i]);
        }

        return events;
    }
}
