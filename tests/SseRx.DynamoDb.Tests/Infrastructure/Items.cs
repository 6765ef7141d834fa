
namespace SseRx.DynamoDb.Tests.Infrastructure;

/// <summary>Test items with readable ids.</summary>
public static class Items
{
    public static readonly DateTimeOffset Noon = new(2025, 6, 2, 12, 0, 0, TimeSpan.Zero);

    public static SentimentItem At(DateTimeOffset timestamp, string id, string ticker = "AAPL",
        SentimentLabel label = SentimentLabel.Positive, double score = 0.5) =>
        new(id, ticker, label, score, timestamp);

    public static string[] Ids(IEnumerable<SentimentItem>? items) => Assert.IsAssignableFrom<IEnumerable<SentimentItem>>(items).Select(i => i.ItemId).ToArray();
}
