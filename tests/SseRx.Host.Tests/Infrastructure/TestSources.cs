
namespace SseRx.Host.Tests.Infrastructure;

/// <summary>Forwards everything to an items store; tests override the read.</summary>
public abstract class DelegatingItems(IEntryLog<SentimentItem> inner) : IEntryLog<SentimentItem>
{
    public IEntryLog<SentimentItem> Inner => inner;

    public virtual TimeSpan VisibilityDelay => inner.VisibilityDelay;

    public bool HoldsEverythingAfter(SseEventId after) => inner.HoldsEverythingAfter(after);

    public SseEventId PositionOf(SentimentItem entry) => inner.PositionOf(entry);

    public virtual ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken) =>
        inner.ReadAsync(range, cancellationToken);
}

/// <summary>Counts reads on the way to the real store, to prove the store is polled once per process.</summary>
public sealed class CountingSource(IEntryLog<SentimentItem> inner) : DelegatingItems(inner)
{
    private int _reads;

    /// <summary>Reads so far.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public override ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return base.ReadAsync(range, cancellationToken);
    }
}

/// <summary>A store that is down: every read fails.</summary>
public sealed class FailingSource : IEntryLog<SentimentItem>
{
    private int _reads;

    /// <summary>Reads attempted so far.</summary>
    public int Reads => Volatile.Read(ref _reads);

    public TimeSpan VisibilityDelay => TimeSpan.Zero;

    public bool HoldsEverythingAfter(SseEventId after) => false;

    public SseEventId PositionOf(SentimentItem entry) => entry.EventId;

    public ValueTask<IReadOnlyList<SentimentItem>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _reads);
        return ValueTask.FromException<IReadOnlyList<SentimentItem>>(new TimeoutException("The store did not answer."));
    }
}
