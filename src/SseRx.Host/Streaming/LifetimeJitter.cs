using SseRx.Host.Hosting;

namespace SseRx.Host.Streaming;

/// <summary>
/// Gives each stream its own maximum lifetime, drawn uniformly from
/// [<see cref="SseRxOptions.MaxStreamLifetime"/> × (1 − <see cref="SseRxOptions.MaxStreamLifetimeJitter"/>),
/// <see cref="SseRxOptions.MaxStreamLifetime"/>], so streams opened together (after a deploy or a reconnect storm) do
/// not all end and reconnect together again one lifetime later.
/// </summary>
/// <remarks>
/// The lifetime is only ever shortened: <see cref="SseRxOptions.MaxStreamLifetime"/> stays the bound that keeps a stream
/// inside a platform limit (Lambda's 15 minutes). Thread-safe: one instance serves every connection.
/// </remarks>
internal sealed class LifetimeJitter
{
    private readonly TimeSpan _lifetime;
    private readonly double _jitter;
    private readonly Func<double> _random;

    /// <param name="options">The validated settings (<c>MaxStreamLifetime</c>, <c>MaxStreamLifetimeJitter</c>).</param>
    /// <param name="random">A uniform draw from [0, 1); <see cref="Random.Shared"/> by default (tests pass their own).</param>
    public LifetimeJitter(SseRxOptions options, Func<double>? random = null)
    {
        _lifetime = options.MaxStreamLifetime;
        _jitter = options.MaxStreamLifetimeJitter;
        _random = random ?? Random.Shared.NextDouble;
    }

    /// <summary>One stream's maximum lifetime.</summary>
    public TimeSpan Next() => _lifetime * (1 - (_jitter * _random()));
}
