namespace SseRx.Host.Sentiment;

/// <summary>The sentiment dashboard's event types (the SSE <c>event:</c> field).</summary>
public static class SentimentEventTypes
{
    /// <summary>The aggregate metrics changed.</summary>
    public const string Metrics = "metrics";

    /// <summary>A new analysed item.</summary>
    public const string NewItem = "new_item";

    /// <summary>A ticker's rolling sentiment score changed.</summary>
    public const string SentimentUpdate = "sentiment_update";
}
