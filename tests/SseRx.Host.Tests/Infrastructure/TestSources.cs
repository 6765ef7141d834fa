using SseRx.Sentiment;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>Counts fetches on the way to the real store, to prove the store is polled once per process.</summary>
public sealed class CountingSource(ISentimentSource inner) : ISentimentSource
{
    private int _fetches;

    /// <summary>Fetches so far.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    public ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        return inner.FetchAsync(after, cancellationToken);
    }
}

/// <summary>A store that is down: every fetch fails.</summary>
public sealed class FailingSource : ISentimentSource
{
    private int _fetches;

    /// <summary>Fetches attempted so far.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    public ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _fetches);
        return ValueTask.FromException<SentimentBatch>(new TimeoutException("The store did not answer."));
    }
}
