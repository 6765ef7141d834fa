namespace SseRx.Host.Hosting;

/// <summary>
/// Tells the shared poller which store failures are transient (throttling, timeouts, an unreachable endpoint: back
/// off and retry, <c>/health</c> says <c>degraded</c>) and which are permanent (a missing table, bad credentials, a
/// wrong region: <c>/health</c> says <c>failed</c> and the poller retries only at its longest back-off).
/// </summary>
/// <remarks>
/// Register one as a singleton next to the store's <see cref="Sentiment.ISentimentSource"/> (for DynamoDB:
/// <c>new StoreErrorClassifier(DynamoDbErrors.IsTransient)</c>). Without one every failure is transient, which suits
/// the in-memory store. Read once, when the runtime is built. The predicate is called on the poller's thread and
/// must not throw (an exception from it ends the shared feed).
/// </remarks>
/// <param name="isTransient">Returns <see langword="true"/> for a failure worth retrying soon.</param>
internal sealed class StoreErrorClassifier(Func<Exception, bool> isTransient)
{
    /// <summary>Whether a failure is transient.</summary>
    public Func<Exception, bool> IsTransient { get; } = isTransient ?? throw new ArgumentNullException(nameof(isTransient));
}
