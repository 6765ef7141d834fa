using System.Net;
using System.Net.Http.Json;
using System.Reactive.Concurrency;
using System.Text.Json;
using SseRx.DynamoDb.Tests.Infrastructure;
using SseRx.Host.Tests.Infrastructure;
using SseRx.Simulator;

namespace SseRx.DynamoDb.Tests.Host;

/// <summary>The real host with <c>SseRx:Store=dynamodb</c> against dynalite: streams, resume, configuration edits, start-up.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class HostOnDynamoDbTests(DynaliteFixture fixture)
{
    [Fact]
    public async Task The_host_streams_new_item_events_and_metrics_for_what_the_simulator_writes()
    {
        var tables = await fixture.CreateTablesAsync();
        await using var host = DynamoDbHost.Start(tables);
        await using var stream = await host.OpenStreamAsync();
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        var initial = await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        Assert.Equal(0, SseStream.Json(initial).GetProperty("total").GetInt32());
        var start = DateTimeOffset.UtcNow.AddSeconds(-1);

        using var output = new StringWriter();
        Assert.Equal(0, await SimulatorApp.RunAsync(
            ["--service-url", tables.ServiceUrl!, "--table", tables.ItemsTable, "--rate", "20", "--duration", "1s", "--seed", "3"],
            _ => null, output, default));
        var written = Assert.IsAssignableFrom<IReadOnlyList<SentimentItem>>(
            await new DynamoDbSentimentStore(fixture.Client, tables, Scheduler.Default).ReadAsync(
                new EntryRange(SseEventId.AtTime(start), SseEventId.Settled(DateTimeOffset.UtcNow.AddMinutes(1)), 1000), default));
        Assert.NotEmpty(written);

        var metrics = await stream.ReadUntilAsync(e =>
            e.EventType == SentimentEventTypes.Metrics && SseStream.Json(e).GetProperty("total").GetInt32() == written.Count);

        Assert.Equal(written.Select(i => i.ItemId), stream.ItemIds());
        var last = stream.Received.Last(e => e.EventType == SentimentEventTypes.NewItem);
        Assert.Equal(written[^1].EventId.ToString(), last.EventId);
        Assert.Equal(written.Count, SseStream.Json(metrics).GetProperty("by_tag").EnumerateObject().Sum(p => p.Value.GetInt32()));
    }

    [Fact]
    public async Task A_fresh_host_resumes_an_older_Last_Event_ID_from_DynamoDB_with_no_gap_and_no_duplicate()
    {
        var tables = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, tables);

        // Host A streams five items; the client keeps the id of the second, as a browser that dropped there would.
        string resumeFrom;
        SentimentItem[] items;
        await using (var hostA = DynamoDbHost.Start(tables))
        {
            await using var stream = await hostA.OpenStreamAsync();
            await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
            var now = DateTimeOffset.UtcNow;
            items = Enumerable.Range(1, 5)
                .Select(i => new SentimentItem($"item-{i}", "AAPL", SentimentLabel.Positive, 0.5, now.AddMilliseconds(i)))
                .ToArray();
            await writer.WriteBatchAsync(items, default);
            await stream.ReadUntilAsync(e => e.EventId == items[^1].EventId.ToString());
            Assert.Equal(Ids(items), stream.ItemIds());
            resumeFrom = stream.Received.First(e => e.EventId == items[1].EventId.ToString()).EventId!;
        }

        // Host B is a new process: its journal has never seen that id, so the items after it come from the table.
        await using var hostB = DynamoDbHost.Start(tables);
        await using var resumed = await hostB.OpenStreamAsync(lastEventId: resumeFrom);
        await resumed.ReadUntilAsync(e => e.EventId == items[^1].EventId.ToString());

        var live = new SentimentItem("item-6", "AAPL", SentimentLabel.Negative, -0.5, DateTimeOffset.UtcNow);
        await writer.WriteAsync(live, default);
        await resumed.ReadUntilAsync(e => e.EventId == live.EventId.ToString());

        Assert.DoesNotContain(resumed.Received, e => e.EventType == SseEventTypes.Resync);
        Assert.Equal(["item-3", "item-4", "item-5", "item-6"], resumed.ItemIds());
    }

    [Fact]
    public async Task An_edit_through_host_A_reaches_an_open_configuration_stream_on_host_B()
    {
        var tables = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, tables);
        await using var hostA = DynamoDbHost.Start(tables);
        await using var hostB = DynamoDbHost.Start(tables);

        using var create = Request(HttpMethod.Post, "/api/v2/configurations", new { name = "Watch list", tickers = new[] { "AAPL" } });
        using var created = await hostA.Client.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        await using var stream = await hostB.OpenStreamAsync($"/api/v2/configurations/{id}/stream", headers: DynamoDbHost.As("alice"));
        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);

        var hiddenBefore = Item("msft-1", "MSFT");
        var shownBefore = Item("aapl-1", "AAPL");
        await writer.WriteBatchAsync([hiddenBefore, shownBefore], default);
        await stream.ReadUntilAsync(e => e.EventId == shownBefore.EventId.ToString());

        using var update = Request(HttpMethod.Put, $"/api/v2/configurations/{id}", new { name = "Watch list", tickers = new[] { "MSFT" } });
        using var updated = await hostA.Client.SendAsync(update);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);

        // MSFT was filtered out before the edit, so an MSFT item arriving proves host B applied it. Host B learns
        // of the edit on its next configuration poll; an item its feed delivers before that is filtered the old
        // way, so keep writing MSFT probes until one gets through.
        using (var probing = new CancellationTokenSource())
        {
            var probes = Task.Run(async () =>
            {
                for (var n = 1; !probing.IsCancellationRequested; n++)
                {
                    await writer.WriteAsync(Item($"msft-probe-{n}", "MSFT"), default);
                    await Task.Delay(200, probing.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            });
            await stream.ReadUntilAsync(e =>
                e.EventType == SentimentEventTypes.NewItem && SseStream.Json(e).GetProperty("item_id").GetString()!.StartsWith("msft-probe-", StringComparison.Ordinal));
            await probing.CancelAsync();
            await probes;
        }

        var hiddenAfter = Item("aapl-2", "AAPL");
        var marker = Item("msft-marker", "MSFT");
        await writer.WriteBatchAsync([hiddenAfter, marker], default);
        await stream.ReadUntilAsync(e => e.EventId == marker.EventId.ToString());

        var ids = stream.ItemIds();
        Assert.Equal("aapl-1", ids[0]);
        Assert.Equal("msft-marker", ids[^1]);
        Assert.All(ids.Skip(1), id => Assert.StartsWith("msft-", id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_missing_table_stops_start_up_with_one_message_that_says_what_to_fix()
    {
        var tables = fixture.NewOptions();

        var error = await Record.ExceptionAsync(async () =>
        {
            await using var host = DynamoDbHost.Start(tables);
        });

        var expected =
            $"DynamoDB table '{tables.ItemsTable}' not found at {fixture.Server.ServiceUrl} (region us-east-1). " +
            "Create it, or set SseRx__DynamoDb__CreateTables=true for a local server.";
        Assert.IsType<InvalidOperationException>(error);
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public async Task With_CreateTables_on_a_loopback_server_the_host_creates_the_tables_and_serves()
    {
        var tables = fixture.NewOptions();

        await using var host = DynamoDbHost.Start(tables, new Dictionary<string, string?> { ["DynamoDb:CreateTables"] = "true" });
        await using var stream = await host.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);

        await DynamoDbStartupCheck.VerifyAsync(fixture.Client, tables);
    }

    [Fact]
    public async Task A_table_deleted_under_a_running_host_is_a_permanent_failure_not_a_retry_storm()
    {
        var tables = await fixture.CreateTablesAsync();
        await using var host = DynamoDbHost.Start(tables);
        await using var stream = await host.OpenStreamAsync();
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);

        await fixture.Client.DeleteTableAsync(tables.ItemsTable);

        // DynamoDbErrors.IsTransient is the host's failure policy: a missing table is reported as failed.
        await Eventually.TrueAsync(() => host.Runtime.Health.Current.State == PollState.Failed, "the poller reports a permanent failure");
        Assert.IsType<Amazon.DynamoDBv2.Model.ResourceNotFoundException>(host.Runtime.Health.Current.LastError);
        Assert.False(stream.Ended);
    }

    private static SentimentItem Item(string id, string ticker) =>
        new(id, ticker, SentimentLabel.Positive, 0.5, DateTimeOffset.UtcNow);

    private static string[] Ids(IEnumerable<SentimentItem>? items) => Assert.IsAssignableFrom<IEnumerable<SentimentItem>>(items).Select(i => i.ItemId).ToArray();

    private static HttpRequestMessage Request(HttpMethod method, string path, object body)
    {
        var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-User-ID", "alice");
        return request;
    }
}
