using System.Text.Json.Serialization;

namespace SseRx.Host.Sentiment;

/// <summary>
/// A ticker's rolling sentiment, sent in a <c>sentiment_update</c> event (<c>ticker</c>, <c>score</c>, <c>label</c>).
/// </summary>
/// <param name="Ticker">The ticker symbol.</param>
/// <param name="Score">The rolling score, from -1 to 1, rounded to 3 decimals.</param>
/// <param name="Label">The label the rolling score falls under.</param>
public sealed record TickerSentiment(
    [property: JsonPropertyName("ticker")] string Ticker,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("label")] SentimentLabel Label);
