namespace SseRx.Host.Hosting;

/// <summary>
/// How the shared poller classifies the store's failures (<see cref="PollOptions.IsTransient"/>): transient ones are
/// retried with a short back-off, permanent ones are reported as <see cref="PollState.Failed"/>.
/// </summary>
/// <param name="IsTransient">Whether a failure is transient. Must be thread-safe and must not throw.</param>
internal sealed record StoreFailurePolicy(Func<Exception, bool> IsTransient);
