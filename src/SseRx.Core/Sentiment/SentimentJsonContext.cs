using System.Text.Json.Serialization;

namespace SseRx.Sentiment;

/// <summary>Source-generated JSON contracts for every payload SseRx puts on the wire.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SentimentItem))]
[JsonSerializable(typeof(MetricsSnapshot))]
[JsonSerializable(typeof(TickerSentiment))]
[JsonSerializable(typeof(HeartbeatData))]
[JsonSerializable(typeof(ResyncData))]
public sealed partial class SentimentJsonContext : JsonSerializerContext;
