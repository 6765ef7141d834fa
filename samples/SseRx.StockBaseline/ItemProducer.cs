using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;
using System.Text.Json.Serialization;

namespace SseRx.StockBaseline;

/// <summary>A <c>new_item</c> payload: the same JSON shape as SseRx's.</summary>
internal sealed record NewItem(
    [property: JsonPropertyName("item_id")] string ItemId,
    [property: JsonPropertyName("ticker")] string Ticker,
    [property: JsonPropertyName("sentiment")] string Sentiment,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);

/// <summary>
/// Produces items at <c>--events-per-second</c> (default 1), catching up on elapsed time so the offered rate holds
/// even when a tick is late. Ids look like SseRx's: <c>{unix ms:D13}-{item id}</c>.
/// </summary>
internal sealed class ItemProducer(Broadcaster broadcaster, IConfiguration configuration, ILogger<ItemProducer> logger) : BackgroundService
{
    private static readonly string[] Tickers = ["AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "TSLA", "META"];
    private static readonly string[] Labels = ["positive", "neutral", "negative"];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var rate = configuration.GetValue("events-per-second", 1.0);
        if (rate <= 0)
        {
            throw new InvalidOperationException("--events-per-second must be positive.");
        }

        logger.LogInformation("Producing {Rate} new_item events per second", rate);
        var random = new Random(42);
        var period = TimeSpan.FromSeconds(Math.Max(1 / rate, 0.01));
        using var timer = new PeriodicTimer(period);
        var started = Stopwatch.GetTimestamp();
        long produced = 0;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var due = (long)(Stopwatch.GetElapsedTime(started).TotalSeconds * rate);
            for (; produced < due; produced++)
            {
                var now = DateTimeOffset.UtcNow;
                var itemId = string.Create(CultureInfo.InvariantCulture, $"stock-{produced:D8}");
                var score = Math.Round((random.NextDouble() * 2) - 1, 3);
                var item = new NewItem(itemId, Tickers[random.Next(Tickers.Length)], Labels[random.Next(Labels.Length)], score, now);
                broadcaster.Publish(new SseItem<NewItem>(item, "new_item")
                {
                    EventId = string.Create(CultureInfo.InvariantCulture, $"{now.ToUnixTimeMilliseconds():D13}-{itemId}"),
                });
            }
        }
    }
}
