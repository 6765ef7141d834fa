using System.Net;
using System.Text.Json;
using SseRx.Package.Tests.Infrastructure;

namespace SseRx.Package.Tests;

/// <summary>Over the connection limit a stream is refused at once, in a way a client can act on; a slot frees when a client leaves.</summary>
[Collection(PackagedAppCollection.Name)]
public sealed class AdmissionTests(PackagedApp app)
{
    [Fact]
    public async Task Over_the_limit_the_next_stream_gets_503_with_Retry_After_and_problem_details()
    {
        // A retry interval under a second and no jitter: Retry-After is still a whole number of seconds, at least 1.
        await using var process = await app.StartAsync(
            "--SseRx:MaxConnections=2", "--SseRx:Stream:RetryInterval=00:00:00.200", "--SseRx:Stream:RetryJitter=00:00:00");
        await using var first = await process.OpenAsync("/measurements/stream");
        await using var second = await process.OpenAsync("/sensors/s1/stream");
        Assert.Equal("heartbeat", (await first.NextAsync()).EventType);
        Assert.Equal("heartbeat", (await second.NextAsync()).EventType);

        await using (var refused = await process.OpenAsync("/measurements/stream"))
        {
            var response = refused.Response;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
            Assert.True(int.TryParse(retryAfter, out var seconds) && seconds >= 1, $"Retry-After '{retryAfter}' is not whole seconds >= 1.");
            Assert.Equal(1, seconds);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
        }

        // The first client drops its connection: its slot comes back, and the next stream is admitted.
        await first.DisposeAsync();
        SseStream? admitted = null;
        await AppProcess.EventuallyAsync(
            async () =>
            {
                var attempt = await process.OpenAsync("/measurements/stream");
                if (attempt.Response.StatusCode == HttpStatusCode.OK)
                {
                    admitted = attempt;
                    return true;
                }

                await attempt.DisposeAsync();
                return false;
            },
            "a stream is admitted after a client left");
        await using (admitted)
        {
            Assert.Equal("heartbeat", (await admitted!.NextAsync()).EventType);
        }
    }
}
