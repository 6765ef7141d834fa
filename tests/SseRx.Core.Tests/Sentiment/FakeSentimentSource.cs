using SseRx.Sentiment;
using SseRx.Tests.Testing;

namespace SseRx.Tests.Sentiment;

/// <summary>An <see cref="ISentimentSource"/> whose answers a test scripts, and which records every fetch.</summary>
internal sealed class FakeSentimentSource(TestScheduler scheduler) : ISentimentSource
{
    /// <summary>Answers fetch number n (from 0) made after the given cursor; may throw or return a pending task.</summary>
    public Func<int, SseEventId?, CancellationToken, ValueTask<SentimentBatch>> Respond { get; set; } =
        (_, after, _) => ValueTask.FromResult(new SentimentBatch([], MetricsSnapshot.Empty, [], after, TestScheduler.Epoch));

    /// <summary>Every fetch: the virtual time it started, the cursor passed and its token.</summary>
    public List<(long Clock, SseEventId? After, CancellationToken Token)> Fetches { get; } = [];

    public ValueTask<SentimentBatch> FetchAsync(SseEventId? after, CancellationToken cancellationToken)
    {
        Fetches.Add((scheduler.Clock, after, cancellationToken));
        return Respond(Fetches.Count - 1, after, cancellationToken);
    }
}
