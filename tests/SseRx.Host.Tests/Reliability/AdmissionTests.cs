using System.Diagnostics;
using System.Net;
using System.Net.ServerSentEvents;
using System.Text.Json;
using SseRx.Host.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// Admission under a connect storm: many more simultaneous stream requests than the limit, over real sockets.
/// Exactly the limit is admitted; every other request is refused at once with 503, <c>Retry-After</c> and problem
/// details; and once everything closes, no lease and no journal reader is left behind.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class AdmissionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StormDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_storm_of_1000_connects_against_a_limit_of_100_admits_exactly_100_and_refuses_the_rest_with_503()
    {
        const int Limit = 100;
        var attempts = Soak.Size(fast: 1_000, soak: 5_000);
        await using var app = SseRxApp.Start(
            new Dictionary<string, string?> { ["MaxConnections"] = "100", ["HeartbeatInterval"] = "01:00:00" },
            kestrel: true);

        // One client, so every request gets its own connection from one pool with no per-server cap.
        var client = app.NewClient();
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stopwatch = new Stopwatch();
        var requests = Enumerable.Range(0, attempts).Select(async _ =>
        {
            await go.Task;
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v2/stream");
            request.Headers.Accept.ParseAdd("text/event-stream");
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        }).ToList();
        stopwatch.Start();
        go.SetResult();
        var responses = await Task.WhenAll(requests).WaitAsync(StormDeadline);
        stopwatch.Stop();

        try
        {
            var admitted = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
            var refused = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
            output.WriteLine(
                $"Admission ({Soak.Form}): {attempts} concurrent connects, limit {Limit}: admitted {admitted.Count}, " +
                $"refused {refused.Count} (503), other {attempts - admitted.Count - refused.Count}, in {stopwatch.Elapsed.TotalSeconds:0.0} s");

            Assert.Equal(Limit, admitted.Count);
            Assert.Equal(attempts - Limit, refused.Count);
            Assert.Equal(Limit, app.Gate.Active);
            Assert.Equal(Limit, app.Runtime.Journal.ReaderCount);

            foreach (var refusal in refused)
            {
                Assert.InRange(refusal.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
                Assert.Equal("application/problem+json", refusal.Content.Headers.ContentType?.MediaType);
                using var problem = JsonDocument.Parse(await refusal.Content.ReadAsStringAsync());
                Assert.Equal(503, problem.RootElement.GetProperty("status").GetInt32());
                Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()));
            }

            // Every admitted stream is live: its connect heartbeat arrives.
            var first = await Task.WhenAll(admitted.Select(FirstEventTypeAsync));
            Assert.All(first, type => Assert.Equal(SseEventTypes.Heartbeat, type));
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        await Eventually.TrueAsync(
            () => app.Gate.Active == 0 && app.Runtime.Journal.ReaderCount == 0,
            "every lease and journal reader was released");
        output.WriteLine($"After closing all: active {app.Gate.Active}, journal readers {app.Runtime.Journal.ReaderCount}");
    }

    private static async Task<string> FirstEventTypeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStreamAsync();
        await using var events = SseParser.Create(body).EnumerateAsync().GetAsyncEnumerator();
        Assert.True(await events.MoveNextAsync().AsTask().WaitAsync(SseRxApp.Deadline), "an admitted stream ended before its first event");
        return events.Current.EventType;
    }
}
