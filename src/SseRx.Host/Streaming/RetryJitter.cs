using SseRx.Host.Hosting;

namespace SseRx.Host.Streaming;

/// <summary>
/// Spreads reconnects: each connection is told its own reconnection delay, drawn uniformly from
/// [<see cref="SseRxOptions.RetryInterval"/>, <see cref="SseRxOptions.RetryInterval"/> + <see cref="SseRxOptions.RetryJitter"/>].
/// It goes in the <c>retry:</c> field of the stream's first event and in the <c>Retry-After</c> of a refusal.
/// </summary>
/// <remarks>
/// <para>
/// Without it, every client of an instance that ends its streams at the same moment (a deploy, a crash, a proxy restart)
/// comes back in the same instant: a standard <c>EventSource</c> waits exactly its reconnection time and adds nothing.
/// The jitter is added, never subtracted, so no client is asked to come back sooner than the retry interval.
/// </para>
/// <para>Thread-safe: one instance serves every connection.</para>
/// </remarks>
internal sealed class RetryJitter
{
    private readonly TimeSpan _interval;
    private readonly TimeSpan _jitter;
    private readonly Func<double> _random;

    /// <param name="options">The validated settings (<c>RetryInterval</c>, <c>RetryJitter</c>).</param>
    /// <param name="random">A uniform draw from [0, 1); <see cref="Random.Shared"/> by default (tests pass their own).</param>
    public RetryJitter(SseRxOptions options, Func<double>? random = null)
    {
        _interval = options.RetryInterval;
        _jitter = options.RetryJitter;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>One connection's reconnection delay, whole milliseconds (what <c>retry:</c> can carry).</summary>
    public TimeSpan Next() =>
        TimeSpan.FromMilliseconds(Math.Floor((_interval + (_jitter * _random())).TotalMilliseconds));

    /// <summary>A <c>Retry-After</c> value: a delay from <see cref="Next"/> rounded up to whole seconds, at least 1.</summary>
    public int NextRetryAfterSeconds() => Math.Max(1, (int)Math.Ceiling(Next().TotalSeconds));
}
