namespace SseRx;

/// <summary>Options for <see cref="SseObservable.Poll{T}(Func{CancellationToken, Task{T}}, PollOptions, PollHealth?, System.Reactive.Concurrency.IScheduler)"/>.</summary>
public sealed class PollOptions
{
    /// <summary>
    /// Time from the start of one successful fetch to the start of the next (a fixed rate; a fetch that takes longer is
    /// followed at once, never overlapped). Default 5 seconds.
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The delay after the first failure; it doubles with each further failure. Default 1 second.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between attempts while failing. Default 60 seconds.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Whether each delay after a failure is drawn at random between zero and the backoff ("full jitter"), so that
    /// pollers that failed together (every instance, after a store outage) do not retry together. Default
    /// <see langword="true"/>; turn it off for exact delays.
    /// </summary>
    public bool BackoffJitter { get; set; } = true;

    /// <summary>The random source of <see cref="BackoffJitter"/>: a value in [0, 1). Tests set it; default <see cref="Random.Shared"/>.</summary>
    internal Func<double> NextRandom { get; set; } = static () => Random.Shared.NextDouble();

    /// <summary>
    /// Decides whether a failure is transient (throttling, timeouts: back off and retry) or permanent
    /// (a missing table, bad credentials: reported as <see cref="PollState.Failed"/> and retried at
    /// <see cref="MaxBackoff"/>). Default: every exception is transient.
    /// </summary>
    public Func<Exception, bool> IsTransient { get; set; } = static _ => true;

    /// <summary>Throws when a value is out of range. Called by the operator before it subscribes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An interval is not positive, or the cap is below the first backoff.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Interval, TimeSpan.Zero, nameof(Interval));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(InitialBackoff, TimeSpan.Zero, nameof(InitialBackoff));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBackoff, InitialBackoff, nameof(MaxBackoff));
        ArgumentNullException.ThrowIfNull(IsTransient, nameof(IsTransient));
    }
}
