namespace SseRx;

/// <summary>The state of a poller.</summary>
public enum PollState
{
    /// <summary>No fetch has completed yet.</summary>
    Starting,

    /// <summary>The last fetch succeeded.</summary>
    Healthy,

    /// <summary>The last fetch failed with a transient error; the poller is backing off.</summary>
    Degraded,

    /// <summary>The last fetch failed with a permanent error (see <see cref="PollOptions.IsTransient"/>).</summary>
    Failed,
}

/// <summary>A poller's health at one moment.</summary>
/// <param name="State">The state.</param>
/// <param name="ConsecutiveFailures">Failures since the last success.</param>
/// <param name="LastError">The most recent failure, or <see langword="null"/> once a fetch succeeds.</param>
/// <param name="LastSuccess">When the last fetch succeeded (scheduler time), if ever.</param>
/// <param name="NextAttemptIn">The delay before the next fetch.</param>
public sealed record PollStatus(
    PollState State,
    int ConsecutiveFailures,
    Exception? LastError,
    DateTimeOffset? LastSuccess,
    TimeSpan NextAttemptIn);

/// <summary>
/// The health signal of a poller: an observable of <see cref="PollStatus"/> that replays the current status
/// to each new subscriber and then reports every change.
/// </summary>
/// <remarks>Thread-safe. Pass one instance to <c>Poll</c>; watch it from health checks and logs.</remarks>
public sealed class PollHealth : IObservable<PollStatus>
{
    /// <summary>The current status.</summary>
    public PollStatus Current => throw new NotImplementedException();

    /// <inheritdoc />
    public IDisposable Subscribe(IObserver<PollStatus> observer) => throw new NotImplementedException();
}
