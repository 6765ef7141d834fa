using System.Diagnostics;
using System.Globalization;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Host.Tests.Streaming;

/// <summary>
/// Reconnects are spread: each connection gets its own <c>retry:</c> (and each refusal its own <c>Retry-After</c>) within
/// [RetryInterval, RetryInterval + RetryJitter], and each stream its own lifetime within
/// [MaxStreamLifetime × (1 − MaxStreamLifetimeJitter), MaxStreamLifetime]. The draws themselves are tested in the
/// package (StreamJitterTests); this is the host's settings reaching real streams.
/// </summary>
public sealed class JitterTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Streams_opened_together_get_their_own_retry_and_end_at_spread_out_times()
    {
        const int Streams = 30;
        await using var app = SseRxApp.Start(new Dictionary<string, string?>
        {
            ["RetryInterval"] = "00:00:01",
            ["RetryJitter"] = "00:00:01",
            ["MaxStreamLifetime"] = "00:00:01.500",
            ["MaxStreamLifetimeJitter"] = "0.5",
            ["HeartbeatInterval"] = "00:01:00",
        });
        var clock = Stopwatch.StartNew();
        var streams = await Task.WhenAll(Enumerable.Range(0, Streams).Select(_ => app.OpenStreamAsync(client: app.NewClient())));
        try
        {
            var opened = clock.Elapsed;
            var results = await Task.WhenAll(streams.Select(async stream =>
            {
                var first = await stream.NextAsync() ?? throw new InvalidOperationException("The stream ended before its first event.");
                await stream.ReadToEndAsync();
                return (Retry: first.ReconnectionInterval!.Value, EndedAt: clock.Elapsed);
            }));

            var retries = results.Select(r => r.Retry.TotalMilliseconds).ToList();
            var ends = results.Select(r => r.EndedAt.TotalMilliseconds).Order().ToList();
            var inAnyWindow = ends.Max(end => ends.Count(e => e >= end && e < end + 100));
            output.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{Streams} streams opened within {opened.TotalMilliseconds:0} ms: retry {retries.Min():0}-{retries.Max():0} ms " +
                $"({retries.Distinct().Count()} distinct values); ends spread over {ends[^1] - ends[0]:0} ms, at most {inAnyWindow} in any 100 ms"));

            Assert.All(retries, retry => Assert.InRange(retry, 1000, 2000));
            Assert.True(retries.Distinct().Count() > Streams / 2, "each connection draws its own retry");
            Assert.True(inAnyWindow < Streams, "the streams' lifetimes did not line up");
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }
}
