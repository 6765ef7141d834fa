using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Observability;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Observability;

/// <summary>Runs alone: any other test's activity listener would record every span and hide the exporter's sampling.</summary>
[CollectionDefinition(nameof(SamplingTests), DisableParallelization = true)]
public sealed class SamplingCollection;

/// <summary>The exporter follows the caller's sampling decision from <c>X-Amzn-Trace-Id</c>.</summary>
[Collection(nameof(SamplingTests))]
public sealed class SamplingTests
{
    [Fact]
    public async Task A_stream_the_caller_did_not_sample_is_not_exported_and_a_sampled_one_is()
    {
        await using var collector = await OtlpCollector.StartAsync();
        var dropped = XRayTraceIds.NewTraceId();
        var sampled = XRayTraceIds.NewTraceId();
        await using (var app = ObservedApp.Start(new Dictionary<string, string?>
        {
            ["Observability:Traces:Enabled"] = "true",
            ["Observability:Otlp:Endpoint"] = collector.BaseAddress.ToString(),
            ["Observability:Traces:RootSampleRatio"] = "0",
            ["MaxStreamLifetime"] = "00:00:00.300",
        }))
        {
            foreach (var (traceId, flag) in new[] { (dropped, "0"), (sampled, "1") })
            {
                var header = $"Root={TraceParents.ToAmazonTraceId(traceId)};Parent={System.Diagnostics.ActivitySpanId.CreateRandom().ToHexString()};Sampled={flag}";
                await using var stream = await app.App.OpenStreamAsync(headers: new Dictionary<string, string> { [TraceParents.AmazonTraceIdHeader] = header });
                await stream.ReadToEndAsync();
            }

            Assert.True(await app.App.Services.GetRequiredService<TelemetryFlush>().FlushAsync(SseRxApp.Deadline), "the spans were exported");
        }

        var bodies = collector.Requests.Select(r => r.Body).ToList();
        Assert.Contains(bodies, b => Contains(b, Bytes(sampled)));
        Assert.DoesNotContain(bodies, b => Contains(b, Bytes(dropped)));

        // Root ratio 0: no poll was exported either (only the sampled stream's trace).
        Assert.DoesNotContain(bodies, b => Contains(b, "sserx.poll"u8.ToArray()));
    }

    private static byte[] Bytes(System.Diagnostics.ActivityTraceId traceId)
    {
        var bytes = new byte[16];
        traceId.CopyTo(bytes);
        return bytes;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
