using System.Reactive.Concurrency;
using SseRx.DynamoDb.Tests.Infrastructure;
using Xunit.Abstractions;
using static SseRx.DynamoDb.Tests.Infrastructure.Items;

namespace SseRx.DynamoDb.Tests;

/// <summary>A poll's read cost does not grow with the table: measured at 100, 1,000 and 10,000 items.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class ReadCostTests(DynaliteFixture fixture, ITestOutputHelper output)
{
    private static readonly string[] Tickers = ["AAPL", "MSFT", "NVDA", "AMZN", "TSLA"];

    [Fact]
    public async Task Requests_and_read_capacity_per_poll_stay_flat_as_the_table_grows_from_100_to_10000_items()
    {
        var options = await fixture.CreateTablesAsync();
        var writer = new DynamoDbSentimentWriter(fixture.Client, options);

        // Now is 12:50; history fills the 23 hours before 12:45, including the current hour's bucket.
        var now = Noon.AddMinutes(50);
        var historyEnd = Noon.AddMinutes(45);
        var historySpan = TimeSpan.FromHours(23);
        var results = new List<(int Size, int Requests, double Capacity, int HttpQueries, int ItemsRead, int BootstrapRequests)>();
        var inTable = 0;
        var newItems = 0;
        foreach (var size in new[] { 100, 1_000, 10_000 })
        {
            var history = Enumerable.Range(inTable, size - inTable)
                .Select(i => At(
                    historyEnd - (historySpan * ((i * 7919 % size) + 0.5) / size),
                    $"h-{i:D6}", Tickers[i % Tickers.Length], (SentimentLabel)(i % 3), ((i % 200) - 100) / 100.0))
                .ToArray();
            await writer.WriteBatchAsync(history, default);
            inTable = size;

            // A fresh process's first poll on its own counted client at 12:50: the 24-hour window, for the aggregates.
            var counter = new RequestCounter();
            using var client = fixture.Server.CreateClient(counter);
            var store = new DynamoDbSentimentStore(client, options, new HistoricalScheduler(now));
            var window = new EntryRange(SseEventId.Settled(now.AddHours(-24)), SseEventId.Settled(now), int.MaxValue);
            var bootstrap = await store.ReadAsync(window, default);
            var bootstrapRequests = counter["Query"];
            var bootstrapCapacity = store.LastReadCost.CapacityUnits;
            Assert.Equal(size + newItems, bootstrap.Count);

            // A steady poll: the range that settled since the last one, holding five new items.
            var fresh = Enumerable.Range(0, 5).Select(i => At(now.AddSeconds(1 + i), $"new-{size}-{i}", "NVDA")).ToArray();
            await writer.WriteBatchAsync(fresh, default);
            counter.Reset();
            var poll = await store.ReadAsync(new EntryRange(SseEventId.Settled(now), SseEventId.Settled(now.AddSeconds(10)), 1000), default);

            Assert.Equal(Ids(fresh), Ids(poll));
            newItems += fresh.Length;
            var cost = store.LastReadCost;
            Assert.Equal(cost.Requests, counter["Query"]);
            results.Add((size, cost.Requests, cost.CapacityUnits, counter["Query"], cost.ItemsRead, bootstrapRequests));
            output.WriteLine(
                $"table {size,6} items: poll = {cost.Requests} Query request(s), {cost.CapacityUnits} RCU, {cost.ItemsRead} items read " +
                $"(HTTP requests counted: {counter.Total}); first poll (24 h of aggregates) = {bootstrapRequests} Query requests, {bootstrapCapacity} RCU");

            // The next round starts well past this round's overlap, so each measures the same five new items.
            now = now.AddMinutes(1);
        }

        // Flat: the same requests, the same capacity and the same items read at every size; the first poll reads one
        // query per hour bucket of its window.
        Assert.All(results, r => Assert.Equal(1, r.Requests));
        Assert.All(results, r => Assert.Equal(results[0].Capacity, r.Capacity));
        Assert.All(results, r => Assert.Equal(5, r.ItemsRead));
        Assert.All(results, r => Assert.InRange(r.BootstrapRequests, 24, 26));
    }
}
