using SseRx.AspNetCore;

namespace SseRx.Tests.AspNetCore;

/// <summary>
/// The jitter of reconnects and lifetimes: each connection's <c>retry:</c> (and each refusal's <c>Retry-After</c>) within
/// [RetryInterval, RetryInterval + RetryJitter], each stream's lifetime within [MaxLifetime × (1 − MaxLifetimeJitter),
/// MaxLifetime]: only ever later, only ever shorter.
/// </summary>
public sealed class StreamJitterTests
{
    private static readonly SseStreamOptions Options = new()
    {
        RetryInterval = TimeSpan.FromSeconds(3),
        RetryJitter = TimeSpan.FromSeconds(2),
        MaxLifetimeJitter = 0.1,
    };

    [Theory]
    [InlineData(0.0, 3000, 3)]
    [InlineData(0.25, 3500, 4)]
    [InlineData(0.5, 4000, 4)]
    [InlineData(0.9999999, 4999, 5)]
    public void Retry_is_the_interval_plus_a_share_of_the_jitter_in_whole_milliseconds(double draw, int retryMs, int retryAfterSeconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(retryMs), StreamJitter.Retry(Options, () => draw));
        Assert.Equal(retryAfterSeconds, StreamJitter.RetryAfterSeconds(Options, () => draw));
    }

    [Fact]
    public void Without_jitter_every_connection_gets_the_retry_interval()
    {
        var options = new SseStreamOptions { RetryInterval = TimeSpan.FromMilliseconds(2500), RetryJitter = TimeSpan.Zero };

        Assert.All(Enumerable.Range(0, 100).Select(_ => StreamJitter.Retry(options)), retry => Assert.Equal(TimeSpan.FromMilliseconds(2500), retry));
        Assert.Equal(3, StreamJitter.RetryAfterSeconds(options));
    }

    [Theory]
    [InlineData(0.0, 600)]
    [InlineData(0.5, 570)]
    [InlineData(0.9999999, 540)]
    public void Lifetime_is_only_ever_shortened_by_up_to_the_jitter(double draw, int seconds)
    {
        var lifetime = StreamJitter.Lifetime(TimeSpan.FromMinutes(10), Options, () => draw);

        Assert.Equal(seconds, lifetime.TotalSeconds, precision: 3);
    }

    [Theory]
    [InlineData(-1.0, 0.1)]
    [InlineData(0.0, 0.6)]
    [InlineData(0.0, -0.1)]
    [InlineData(0.0, double.NaN)]
    public void Out_of_range_jitter_is_refused_naming_the_option(double retryJitterSeconds, double lifetimeJitter)
    {
        var options = new SseStreamOptions { RetryJitter = TimeSpan.FromSeconds(retryJitterSeconds), MaxLifetimeJitter = lifetimeJitter };

        var error = Assert.ThrowsAny<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(retryJitterSeconds < 0 ? nameof(SseStreamOptions.RetryJitter) : nameof(SseStreamOptions.MaxLifetimeJitter), error.ParamName);
    }
}
