using System.Reactive.Concurrency;
using SseRx.Host.Configurations;
using SseRx.DynamoDb.Tests.Infrastructure;

namespace SseRx.DynamoDb.Tests;

/// <summary>Watch: an edit made on another process reaches open streams within one poll; one poll per configuration per process.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class ConfigurationWatchTests(DynaliteFixture fixture)
{
    [Fact]
    public async Task An_edit_through_a_second_store_instance_reaches_the_watcher_on_the_first_poll_after_it()
    {
        var options = await fixture.CreateTablesAsync(o => o.ConfigurationPollInterval = TimeSpan.FromMilliseconds(200));
        var counter = new RequestCounter();
        using var watcherClient = fixture.Server.CreateClient(counter);
        using var editorClient = fixture.Server.CreateClient();
        var editor = new DynamoDbConfigurationStore(editorClient, options, Scheduler.Default);   // "process A"
        var watched = new DynamoDbConfigurationStore(watcherClient, options, Scheduler.Default); // "process B"

        var created = await editor.CreateAsync("alice", "Tech", ["AAPL"], default);
        using var recorder = new Recorder<UserConfiguration?>(watched.Watch("alice", created.Id), () => counter["GetItem"]);

        var (first, _) = await recorder.NextAsync();
        Assert.Equal(created.UpdatedAt, first!.UpdatedAt);
        Assert.Equal(["AAPL"], first.Tickers);

        var updated = await editor.UpdateAsync("alice", created.Id, "Tech", ["AAPL", "NVDA"], default);
        var requestsWhenEdited = counter["GetItem"];
        var (edit, requestsWhenSeen) = await recorder.NextAsync();

        Assert.Equal(["AAPL", "NVDA"], edit!.Tickers);
        Assert.Equal(updated!.UpdatedAt, edit.UpdatedAt);

        // Seen by the read in flight during the edit or by the next one: never later than the first poll after it.
        Assert.InRange(requestsWhenSeen - requestsWhenEdited, 0, 1);

        Assert.True(await editor.DeleteAsync("alice", created.Id, default));
        var (deleted, _) = await recorder.NextAsync();
        Assert.Null(deleted);

        // Deleted is reported once, not on every poll.
        var afterDelete = counter["GetItem"];
        while (counter["GetItem"] < afterDelete + 3)
        {
            await Task.Delay(50);
        }

        Assert.Equal(0, recorder.Pending);
        Assert.Null(recorder.Error);
        Assert.False(recorder.Completed);
    }

    [Fact]
    public async Task Watchers_of_one_configuration_share_one_read_and_a_late_watcher_gets_the_current_value_at_once()
    {
        // An hour between polls: any value seen after the first read must come from the shared one.
        var options = await fixture.CreateTablesAsync(o => o.ConfigurationPollInterval = TimeSpan.FromHours(1));
        var counter = new RequestCounter();
        using var client = fixture.Server.CreateClient(counter);
        var store = new DynamoDbConfigurationStore(client, options, Scheduler.Default);
        var created = await store.CreateAsync("alice", "Tech", ["AAPL"], default);
        counter.Reset();

        var first = new Recorder<UserConfiguration?>(store.Watch("alice", created.Id));
        Assert.Equal(created.UpdatedAt, (await first.NextAsync()).Value!.UpdatedAt);
        var second = new Recorder<UserConfiguration?>(store.Watch("alice", created.Id));
        Assert.Equal(created.UpdatedAt, (await second.NextAsync()).Value!.UpdatedAt);

        Assert.Equal(1, counter["GetItem"]);
        Assert.Equal(1, store.ActiveWatchCount);

        first.Dispose();
        Assert.Equal(1, store.ActiveWatchCount);
        second.Dispose();
        Assert.Equal(0, store.ActiveWatchCount);

        // After everyone left, a new watcher starts a fresh read: it sees the edit, never a stale replay.
        var edited = await store.UpdateAsync("alice", created.Id, "Tech", ["MSFT"], default);
        using var third = new Recorder<UserConfiguration?>(store.Watch("alice", created.Id));
        var (value, _) = await third.NextAsync();
        Assert.Equal(["MSFT"], value!.Tickers);
        Assert.Equal(edited!.UpdatedAt, value.UpdatedAt);
        Assert.Equal(2, counter["GetItem"]);
        Assert.Equal(0, third.Pending);
    }

    [Fact]
    public async Task Watching_a_missing_or_foreign_configuration_emits_null_at_once()
    {
        var options = await fixture.CreateTablesAsync(o => o.ConfigurationPollInterval = TimeSpan.FromHours(1));
        var store = new DynamoDbConfigurationStore(fixture.Client, options, Scheduler.Default);
        var alices = await store.CreateAsync("alice", "Mine", ["AAPL"], default);

        using var missing = new Recorder<UserConfiguration?>(store.Watch("alice", "no-such-id"));
        using var foreign = new Recorder<UserConfiguration?>(store.Watch("mallory", alices.Id));

        Assert.Null((await missing.NextAsync()).Value);
        Assert.Null((await foreign.NextAsync()).Value);
    }
}
