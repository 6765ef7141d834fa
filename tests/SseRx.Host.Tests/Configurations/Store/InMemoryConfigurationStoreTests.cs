using System.Reactive;
using System.Reactive.Linq;
using SseRx.Host.Configurations;

namespace SseRx.Host.Tests.Configurations.Store;

public sealed class InMemoryConfigurationStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken None = CancellationToken.None;

    private readonly ManualTimeProvider _time = new(T0);
    private readonly InMemoryConfigurationStore _store;

    public InMemoryConfigurationStoreTests() => _store = new InMemoryConfigurationStore(_time);

    [Fact]
    public async Task Create_stores_the_values_with_a_url_safe_random_id_and_timestamps_from_the_time_provider()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL", "MSFT"], None);

        Assert.Matches("^[A-Za-z0-9_-]{22}$", created.Id);
        Assert.Equal("alice", created.OwnerId);
        Assert.Equal("Tech", created.Name);
        Assert.Equal(["AAPL", "MSFT"], created.Tickers);
        Assert.Equal(T0, created.CreatedAt);
        Assert.Equal(T0, created.UpdatedAt);
        Assert.Equal(created, await _store.GetAsync("alice", created.Id, None));
        Assert.Equal(1, _store.Count);
    }

    [Fact]
    public async Task Ids_are_unique()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 1000; i++)
        {
            Assert.True(ids.Add((await _store.CreateAsync("alice", "n", ["A"], None)).Id));
        }
    }

    [Fact]
    public async Task Stored_tickers_are_a_copy_the_caller_cannot_change_afterwards()
    {
        var tickers = new List<string> { "AAPL" };
        var created = await _store.CreateAsync("alice", "n", tickers, None);
        tickers.Add("MSFT");

        var read = await _store.GetAsync("alice", created.Id, None);
        Assert.Equal(["AAPL"], read!.Tickers);
        Assert.False(read.Tickers is string[], "an array could be cast back and mutated");
    }

    [Fact]
    public async Task Another_owners_configuration_is_reported_exactly_like_a_missing_one()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL"], None);

        Assert.Null(await _store.GetAsync("bob", created.Id, None));
        Assert.Null(await _store.GetAsync("bob", "no-such-id", None));
        Assert.Null(await _store.UpdateAsync("bob", created.Id, "Mine", ["MSFT"], None));
        Assert.Null(await _store.UpdateAsync("bob", "no-such-id", "Mine", ["MSFT"], None));
        Assert.False(await _store.DeleteAsync("bob", created.Id, None));
        Assert.False(await _store.DeleteAsync("bob", "no-such-id", None));
        Assert.Empty(await _store.ListAsync("bob", None));

        // Owner ids are compared exactly: no case folding that would let "ALICE" in.
        Assert.Null(await _store.GetAsync("ALICE", created.Id, None));

        Assert.Equal(created, await _store.GetAsync("alice", created.Id, None));
    }

    [Fact]
    public async Task List_returns_only_the_owners_configurations_oldest_first()
    {
        var a1 = await _store.CreateAsync("alice", "one", ["A"], None);
        _time.Advance(TimeSpan.FromSeconds(1));
        await _store.CreateAsync("bob", "bob's", ["B"], None);
        var a2 = await _store.CreateAsync("alice", "two", ["C"], None);
        var a3 = await _store.CreateAsync("alice", "three", ["D"], None);
        await _store.UpdateAsync("alice", a1.Id, "one again", ["E"], None);
        await _store.DeleteAsync("alice", a2.Id, None);

        var list = await _store.ListAsync("alice", None);

        Assert.Equal([a1.Id, a3.Id], list.Select(c => c.Id));
        Assert.Equal("one again", list[0].Name);
        Assert.Empty(await _store.ListAsync("carol", None));
    }

    [Fact]
    public async Task List_is_a_snapshot()
    {
        await _store.CreateAsync("alice", "one", ["A"], None);
        var list = await _store.ListAsync("alice", None);
        await _store.CreateAsync("alice", "two", ["B"], None);

        Assert.Single(list);
    }

    [Fact]
    public async Task Update_replaces_name_and_tickers_and_moves_only_UpdatedAt()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL"], None);
        _time.Advance(TimeSpan.FromMinutes(5));

        var updated = await _store.UpdateAsync("alice", created.Id, "Banks", ["JPM", "BAC"], None);

        Assert.NotNull(updated);
        Assert.Equal(created.Id, updated.Id);
        Assert.Equal("alice", updated.OwnerId);
        Assert.Equal("Banks", updated.Name);
        Assert.Equal(["JPM", "BAC"], updated.Tickers);
        Assert.Equal(T0, updated.CreatedAt);
        Assert.Equal(T0.AddMinutes(5), updated.UpdatedAt);
        Assert.Equal(updated, await _store.GetAsync("alice", created.Id, None));
    }

    [Fact]
    public async Task Delete_removes_it_once()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL"], None);

        Assert.True(await _store.DeleteAsync("alice", created.Id, None));
        Assert.False(await _store.DeleteAsync("alice", created.Id, None));
        Assert.Null(await _store.GetAsync("alice", created.Id, None));
        Assert.Null(await _store.UpdateAsync("alice", created.Id, "x", ["A"], None));
        Assert.Equal(0, _store.Count);
    }

    [Fact]
    public async Task A_cancelled_token_cancels_without_changing_anything()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL"], None);
        var cancelled = new CancellationToken(canceled: true);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.CreateAsync("alice", "x", ["A"], cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.UpdateAsync("alice", created.Id, "x", ["A"], cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.DeleteAsync("alice", created.Id, cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.GetAsync("alice", created.Id, cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _store.ListAsync("alice", cancelled));

        Assert.Equal(created, Assert.Single(await _store.ListAsync("alice", None)));
    }

    [Fact]
    public void Arguments_are_checked_eagerly_not_in_the_returned_task()
    {
        Assert.Throws<ArgumentNullException>("timeProvider", () => new InMemoryConfigurationStore(null!));
        Assert.Throws<ArgumentNullException>("ownerId", () => { _ = _store.GetAsync(null!, "id", None); });
        Assert.Throws<ArgumentNullException>("id", () => { _ = _store.GetAsync("o", null!, None); });
        Assert.Throws<ArgumentNullException>("ownerId", () => { _ = _store.ListAsync(null!, None); });
        Assert.Throws<ArgumentNullException>("ownerId", () => { _ = _store.CreateAsync(null!, "n", ["A"], None); });
        Assert.Throws<ArgumentNullException>("name", () => { _ = _store.CreateAsync("o", null!, ["A"], None); });
        Assert.Throws<ArgumentNullException>("tickers", () => { _ = _store.CreateAsync("o", "n", null!, None); });
        Assert.Throws<ArgumentNullException>("ownerId", () => { _ = _store.UpdateAsync(null!, "id", "n", ["A"], None); });
        Assert.Throws<ArgumentNullException>("id", () => { _ = _store.UpdateAsync("o", null!, "n", ["A"], None); });
        Assert.Throws<ArgumentNullException>("name", () => { _ = _store.UpdateAsync("o", "id", null!, ["A"], None); });
        Assert.Throws<ArgumentNullException>("tickers", () => { _ = _store.UpdateAsync("o", "id", "n", null!, None); });
        Assert.Throws<ArgumentNullException>("ownerId", () => { _ = _store.DeleteAsync(null!, "id", None); });
        Assert.Throws<ArgumentNullException>("id", () => { _ = _store.DeleteAsync("o", null!, None); });
        Assert.Throws<ArgumentNullException>("ownerId", () => _store.Watch(null!, "id"));
        Assert.Throws<ArgumentNullException>("id", () => _store.Watch("o", null!));
    }

    [Fact]
    public async Task The_parameterless_constructor_uses_the_system_clock()
    {
        var store = new InMemoryConfigurationStore();
        var before = TimeProvider.System.GetUtcNow();

        var created = await store.CreateAsync("alice", "n", ["A"], None);

        Assert.InRange(created.CreatedAt, before, TimeProvider.System.GetUtcNow());
    }

    [Fact]
    public async Task Watch_emits_the_current_value_then_each_update_then_null_on_delete_and_completes()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL"], None);
        var seen = new List<Notification<UserConfiguration?>>();

        using var subscription = _store.Watch("alice", created.Id).Materialize().Subscribe(seen.Add);
        Assert.Equal([Notification.CreateOnNext<UserConfiguration?>(created)], seen);

        _time.Advance(TimeSpan.FromSeconds(1));
        var first = await _store.UpdateAsync("alice", created.Id, "Tech", ["AAPL", "MSFT"], None);
        var second = await _store.UpdateAsync("alice", created.Id, "Tech", ["MSFT"], None);
        await _store.DeleteAsync("alice", created.Id, None);

        Assert.Equal(
            [
                Notification.CreateOnNext<UserConfiguration?>(created),
                Notification.CreateOnNext(first),
                Notification.CreateOnNext(second),
                Notification.CreateOnNext<UserConfiguration?>(null),
                Notification.CreateOnCompleted<UserConfiguration?>(),
            ],
            seen);
        Assert.Equal(0, _store.WatchedCount);
    }

    [Fact]
    public async Task Watch_of_a_missing_or_another_owners_configuration_is_null_then_completed_and_holds_no_state()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL"], None);
        var missing = new List<Notification<UserConfiguration?>>();
        var foreign = new List<Notification<UserConfiguration?>>();

        using var s1 = _store.Watch("alice", "no-such-id").Materialize().Subscribe(missing.Add);
        using var s2 = _store.Watch("bob", created.Id).Materialize().Subscribe(foreign.Add);
        await _store.UpdateAsync("alice", created.Id, "Changed", ["MSFT"], None);

        Notification<UserConfiguration?>[] expected =
            [Notification.CreateOnNext<UserConfiguration?>(null), Notification.CreateOnCompleted<UserConfiguration?>()];
        Assert.Equal(expected, missing);
        Assert.Equal(expected, foreign);
        Assert.Equal(0, _store.WatchedCount);
    }

    [Fact]
    public async Task Watch_is_cold_and_releases_its_state_when_the_last_subscriber_leaves()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL"], None);
        var watch = _store.Watch("alice", created.Id);
        Assert.Equal(0, _store.WatchedCount);

        var a = new List<UserConfiguration?>();
        var b = new List<UserConfiguration?>();
        var subA = watch.Subscribe(a.Add);
        var subB = watch.Subscribe(b.Add);
        Assert.Equal(1, _store.WatchedCount);

        subA.Dispose();
        Assert.Equal(1, _store.WatchedCount);
        var updated = await _store.UpdateAsync("alice", created.Id, "Changed", ["MSFT"], None);

        Assert.Equal([created], a);
        Assert.Equal([created, updated], b);

        subB.Dispose();
        Assert.Equal(0, _store.WatchedCount);

        // A later subscriber starts from the value current at its own subscription.
        var c = new List<UserConfiguration?>();
        using var subC = watch.Subscribe(c.Add);
        Assert.Equal([updated], c);
    }

    [Fact]
    public async Task Many_short_watches_leave_no_state_behind()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL"], None);
        for (var i = 0; i < 1000; i++)
        {
            using var subscription = _store.Watch("alice", created.Id).Subscribe(_ => { });
        }

        Assert.Equal(0, _store.WatchedCount);
    }

    [Fact]
    public async Task Another_owner_cannot_change_what_a_watcher_sees()
    {
        var created = await _store.CreateAsync("alice", "Tech", ["AAPL"], None);
        var seen = new List<UserConfiguration?>();
        using var subscription = _store.Watch("alice", created.Id).Subscribe(seen.Add);

        await _store.UpdateAsync("bob", created.Id, "Hijack", ["MSFT"], None);
        await _store.DeleteAsync("bob", created.Id, None);

        Assert.Equal([created], seen);
    }

    [Fact]
    public async Task A_watcher_may_update_the_store_from_OnNext_and_still_sees_every_change_in_order()
    {
        var created = await _store.CreateAsync("alice", "v0", ["A"], None);
        var names = new List<string?>();
        using var subscription = _store.Watch("alice", created.Id).Subscribe(c =>
        {
            names.Add(c?.Name);
            if (c is { Name: var name } && name.Length < 4)
            {
                // Re-entrant call on the delivering thread: must neither deadlock nor deliver out of order.
                _store.UpdateAsync("alice", created.Id, name + "+", ["A"], None).GetAwaiter().GetResult();
            }
        });

        Assert.Equal(["v0", "v0+", "v0++"], names);
        Assert.Equal("v0++", (await _store.GetAsync("alice", created.Id, None))!.Name);
    }

    [Fact]
    public async Task A_throwing_watcher_does_not_starve_the_others_and_its_error_reaches_the_caller_after_the_change_is_stored()
    {
        var created = await _store.CreateAsync("alice", "v0", ["A"], None);
        var good = new List<string?>();
        var initial = true;
        using var bad = _store.Watch("alice", created.Id).Subscribe(_ =>
        {
            if (!initial)
            {
                throw new InvalidOperationException("observer bug");
            }

            initial = false;
        });
        using var ok = _store.Watch("alice", created.Id).Subscribe(c => good.Add(c?.Name));

        var faulted = _store.UpdateAsync("alice", created.Id, "v1", ["A"], None);
        Assert.True(faulted.IsFaulted, "the watcher's bug surfaces as a faulted task, not a synchronous throw");
        await Assert.ThrowsAsync<InvalidOperationException>(() => faulted);
        await _store.UpdateAsync("alice", created.Id, "v2", ["A"], None);

        Assert.Equal(["v0", "v1", "v2"], good);
        Assert.Equal("v2", (await _store.GetAsync("alice", created.Id, None))!.Name);
    }

    [Fact]
    public async Task Concurrent_updates_and_subscriptions_deliver_every_change_once_in_store_order()
    {
        const int Writers = 4;
        const int UpdatesPerWriter = 250;
        var created = await _store.CreateAsync("alice", "start", ["A"], None);
        var early = new List<UserConfiguration?>();
        using var earlySubscription = _store.Watch("alice", created.Id).Subscribe(c => { lock (early) { early.Add(c); } });

        var lateSeen = new List<UserConfiguration?>[Writers];
        var lateSubscriptions = new IDisposable[Writers];
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < UpdatesPerWriter; i++)
            {
                if (i == UpdatesPerWriter / 2)
                {
                    var seen = lateSeen[w] = [];
                    lateSubscriptions[w] = _store.Watch("alice", created.Id).Subscribe(c => { lock (seen) { seen.Add(c); } });
                }

                await _store.UpdateAsync("alice", created.Id, $"{w}:{i}", ["A"], None);
            }
        })).ToArray();
        await Task.WhenAll(writers);

        var final = await _store.GetAsync("alice", created.Id, None);
        lock (early)
        {
            Assert.Equal(1 + (Writers * UpdatesPerWriter), early.Count);
            Assert.Equal(final, early[^1]);
            // Each writer's own updates arrive in the order it made them.
            for (var w = 0; w < Writers; w++)
            {
                var mine = early.Skip(1).Select(c => c!.Name).Where(n => n.StartsWith($"{w}:", StringComparison.Ordinal))
                    .Select(n => int.Parse(n.AsSpan(n.IndexOf(':') + 1), provider: null)).ToList();
                Assert.Equal(Enumerable.Range(0, UpdatesPerWriter), mine);
            }
        }

        for (var w = 0; w < Writers; w++)
        {
            lock (lateSeen[w])
            {
                // A late subscriber sees a contiguous tail of what the early one saw: no change missed or repeated.
                var tail = early.Skip(early.Count - lateSeen[w].Count).ToList();
                Assert.Equal(tail, lateSeen[w]);
            }

            lateSubscriptions[w].Dispose();
        }
    }

    private sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
