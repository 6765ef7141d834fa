
namespace SseRx.Host.Tests.Sentiment;

/// <summary>Builders for items and snapshots used across the sentiment and in-memory tests.</summary>
internal static class SentimentTestData
{
    /// <summary>A minute-aligned instant, far from the epoch, for tests that do not use a TestScheduler.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    public static SentimentItem Item(string id, string ticker, double score, DateTimeOffset timestamp) =>
        new(id, ticker, LabelFor(score), score, timestamp);

    public static SentimentItem Item(string id, string ticker, SentimentLabel label, DateTimeOffset timestamp) =>
        new(id, ticker, label, label switch
        {
            SentimentLabel.Positive => 0.5,
            SentimentLabel.Negative => -0.5,
            _ => 0,
        }, timestamp);

    public static MetricsSnapshot Metrics(int total, params (string Tag, int Count)[] byTag) =>
        new(total, total, 0, 0, byTag.ToDictionary(t => t.Tag, t => t.Count), total, Math.Round(total / 24.0, 2));

    private static SentimentLabel LabelFor(double score) =>
        score > 0.2 ? SentimentLabel.Positive : score < -0.2 ? SentimentLabel.Negative : SentimentLabel.Neutral;
}
