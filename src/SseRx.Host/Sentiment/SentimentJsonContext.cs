using System.Text.Json.Serialization;

namespace SseRx.Host.Sentiment;

/// <summary>Source-generated JSON contracts for the sentiment payloads.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SentimentItem))]
[JsonSerializable(typeof(MetricsSnapshot))]
[JsonSerializable(typeof(TickerSentiment))]
public sealed partial class SentimentJsonContext : JsonSerializerContext;
