using System.Reactive.Concurrency;
using SseRx.DynamoDb.Tests.Infrastructure;

namespace SseRx.DynamoDb.Tests;

/// <summary>Configuration CRUD against a real server: owner scoping by key, conditional writes.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class ConfigurationStoreTests(DynaliteFixture fixture)
{
    private static readonly DateTimeOffset Start = new(2025, 6, 2, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Create_get_list_update_delete_round_trip_with_timestamps_from_the_clock()
    {
        var options = await fixture.CreateTablesAsync();
        var clock = new HistoricalScheduler(Start);
        var store = new DynamoDbConfigurationStore(fixture.Client, options, clock);

        var first = await store.CreateAsync("alice", "Tech", ["AAPL", "MSFT"], default);
        clock.AdvanceBy(TimeSpan.FromSeconds(1));
        var second = await store.CreateAsync("alice", "Cars", ["TSLA"], default);

        Assert.Equal("alice", first.OwnerId);
        Assert.Equal(Start, first.CreatedAt);
        Assert.Equal(Start, first.UpdatedAt);
        Assert.NotEqual(first.Id, second.Id);
        Assert.Matches("^[0-9a-f]{32}$", first.Id);

        var read = await store.GetAsync("alice", first.Id, default);
        Assert.NotNull(read);
        Assert.Equal(("Tech", "AAPL,MSFT", Start, Start), (read.Name, string.Join(',', read.Tickers), read.CreatedAt, read.UpdatedAt));

        var listed = await store.ListAsync("alice", default);
        Assert.Equal([first.Id, second.Id], listed.Select(c => c.Id));

        clock.AdvanceBy(TimeSpan.FromMinutes(5));
        var updated = await store.UpdateAsync("alice", first.Id, "Chips", ["NVDA", "AMD"], default);
        Assert.NotNull(updated);
        Assert.Equal(("Chips", "NVDA,AMD", Start, Start.AddMinutes(5).AddSeconds(1)),
            (updated.Name, string.Join(',', updated.Tickers), updated.CreatedAt, updated.UpdatedAt));
        Assert.Equal(updated.UpdatedAt, (await store.GetAsync("alice", first.Id, default))!.UpdatedAt);

        Assert.True(await store.DeleteAsync("alice", first.Id, default));
        Assert.Null(await store.GetAsync("alice", first.Id, default));
        Assert.Equal([second.Id], (await store.ListAsync("alice", default)).Select(c => c.Id));
    }

    [Fact]
    public async Task Another_owners_configuration_is_not_found_and_cannot_be_changed_or_deleted()
    {
        var options = await fixture.CreateTablesAsync();
        var store = new DynamoDbConfigurationStore(fixture.Client, options, new HistoricalScheduler(Start));
        var alices = await store.CreateAsync("alice", "Mine", ["AAPL"], default);

        Assert.Null(await store.GetAsync("mallory", alices.Id, default));
        Assert.Null(await store.UpdateAsync("mallory", alices.Id, "Stolen", ["TSLA"], default));
        Assert.False(await store.DeleteAsync("mallory", alices.Id, default));
        Assert.Empty(await store.ListAsync("mallory", default));

        var intact = await store.GetAsync("alice", alices.Id, default);
        Assert.Equal(("Mine", "AAPL"), (intact!.Name, string.Join(',', intact.Tickers)));

        // The failed update must not have created an item under the other owner's key either.
        Assert.Null(await store.GetAsync("mallory", alices.Id, default));
    }

    [Fact]
    public async Task Update_and_delete_of_a_missing_configuration_report_not_found_and_create_nothing()
    {
        var options = await fixture.CreateTablesAsync();
        var store = new DynamoDbConfigurationStore(fixture.Client, options, new HistoricalScheduler(Start));

        Assert.Null(await store.UpdateAsync("alice", "no-such-id", "X", ["AAPL"], default));
        Assert.False(await store.DeleteAsync("alice", "no-such-id", default));
        Assert.Null(await store.GetAsync("alice", "no-such-id", default));
        Assert.Empty(await store.ListAsync("alice", default));

        var created = await store.CreateAsync("alice", "Gone", ["AAPL"], default);
        Assert.True(await store.DeleteAsync("alice", created.Id, default));
        Assert.Null(await store.UpdateAsync("alice", created.Id, "Back", ["AAPL"], default));
        Assert.False(await store.DeleteAsync("alice", created.Id, default));
        Assert.Null(await store.GetAsync("alice", created.Id, default));
    }

    [Fact]
    public async Task Empty_ticker_lists_and_empty_keys_are_handled_without_a_server_error()
    {
        var options = await fixture.CreateTablesAsync();
        var store = new DynamoDbConfigurationStore(fixture.Client, options, new HistoricalScheduler(Start));

        var empty = await store.CreateAsync("alice", "Nothing yet", [], default);
        Assert.Empty((await store.GetAsync("alice", empty.Id, default))!.Tickers);

        Assert.Null(await store.GetAsync("", empty.Id, default));
        Assert.Null(await store.GetAsync("alice", "", default));
        Assert.Null(await store.UpdateAsync("alice", "", "x", [], default));
        Assert.False(await store.DeleteAsync("", empty.Id, default));
        Assert.Empty(await store.ListAsync("", default));
    }

    [Fact]
    public async Task Arguments_are_checked()
    {
        var options = fixture.NewOptions();
        Assert.Throws<ArgumentNullException>(() => new DynamoDbConfigurationStore(null!, options, Scheduler.Default));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbConfigurationStore(fixture.Client, null!, Scheduler.Default));
        Assert.Throws<ArgumentNullException>(() => new DynamoDbConfigurationStore(fixture.Client, options, null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DynamoDbConfigurationStore(
            fixture.Client, new DynamoDbStoreOptions { ConfigurationPollInterval = TimeSpan.Zero }, Scheduler.Default));

        var store = new DynamoDbConfigurationStore(fixture.Client, options, Scheduler.Default);
        Assert.Throws<ArgumentNullException>(() => store.Watch(null!, "id"));
        Assert.Throws<ArgumentNullException>(() => store.Watch("alice", null!));
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync("", "n", [], default));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.CreateAsync("alice", null!, [], default));
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.UpdateAsync("alice", "id", "n", null!, default));
    }
}
