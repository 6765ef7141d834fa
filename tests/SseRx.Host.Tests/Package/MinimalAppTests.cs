using System.Net.ServerSentEvents;
using System.Reactive.Subjects;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SseRx.AspNetCore;

namespace SseRx.Host.Tests.Package;

/// <summary>
/// The package's ASP.NET Core integration in an app of its own (not the host): the smallest shape a consumer writes,
/// <c>AddSseRx</c> and <c>MapSseRx</c> over an observable, on TestServer.
/// </summary>
public sealed class MinimalAppTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_bad_option_stops_the_app_at_start_up_naming_it()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSseRx(options => options.MaxConnections = 0);
        await using var app = builder.Build();
        app.MapSseRx("/events", new Subject<SseEvent>());

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("MaxConnections", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_pushed_while_nobody_listens_reach_a_client_that_resumes()
    {
        var events = new Subject<SseEvent>();
        await using var app = await StartAsync(events);
        using var client = app.GetTestClient();

        // A client reads the first event and leaves; nobody listens while the second is pushed.
        var first = Item(1);
        var firstRead = await ReadAsync(client, null, count: 2, () => events.OnNext(first));
        Assert.Equal(first.Id.ToString(), firstRead[^1].EventId);
        var second = Item(2);
        events.OnNext(second);

        var resumed = await ReadAsync(client, first.Id.ToString(), count: 2, () => { });

        Assert.Equal([SseEventTypes.Heartbeat, "item"], resumed.Select(e => e.EventType));
        Assert.Equal(second.Id.ToString(), resumed[1].EventId);
    }

    [Fact]
    public async Task A_new_client_that_drops_after_its_heartbeat_resumes_from_its_id_as_a_new_client()
    {
        var events = new Subject<SseEvent>();
        await using var app = await StartAsync(events);
        using var client = app.GetTestClient();
        var first = Item(1);
        events.OnNext(first);

        // A new client's connect heartbeat carries the initial cursor, not the journal's position (which the state
        // it has not been sent yet would sit behind). It drops right after that heartbeat.
        var dropped = await ReadAsync(client, null, count: 1, () => { });
        Assert.Equal(SseEventId.Initial.ToString(), dropped[0].EventId);

        // Resuming from that id gets the state a new client gets, the item included, and no resync.
        var resumed = await ReadAsync(client, dropped[0].EventId, count: 2, () => { });
        Assert.Equal([SseEventTypes.Heartbeat, "item"], resumed.Select(e => e.EventType));
        Assert.Equal(first.Id.ToString(), resumed[1].EventId);
    }

    // Ids are times: these are stamped now, as a real source's would be (the journal's record starts when it is made).
    private static SseEvent Item(int n) =>
        SseEvent.Create("item", SseEventId.Create(DateTimeOffset.UtcNow, $"i{n}"), $"{n}");

    private static async Task<WebApplication> StartAsync(IObservable<SseEvent> events)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseTestServer();
        builder.Services.AddSseRx();
        var app = builder.Build();
        app.MapSseRx("/events", events);
        await app.StartAsync();
        return app;
    }

    /// <summary>Opens a stream, runs <paramref name="then"/> once it is open, reads <paramref name="count"/> events and leaves.</summary>
    private static async Task<List<SseItem<string>>> ReadAsync(HttpClient client, string? lastEventId, int count, Action then)
    {
        using var cancel = new CancellationTokenSource(Deadline);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/events", UriKind.Relative));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        await using var body = await response.Content.ReadAsStreamAsync(cancel.Token);
        var items = new List<SseItem<string>>();
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancel.Token))
        {
            items.Add(item);
            if (items.Count == 1)
            {
                then();
            }

            if (items.Count == count)
            {
                break;
            }
        }

        return items;
    }

}
