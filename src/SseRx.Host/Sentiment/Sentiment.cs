using System.Text.Json.Serialization;

namespace SseRx.Host.Sentiment;

/// <summary>The sentiment label of an analysed item. On the wire: <c>positive</c>, <c>neutral</c>, <c>negative</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SentimentLabel>))]
public enum SentimentLabel
{
    /// <summary>Positive sentiment.</summary>
    [JsonStringEnumMemberName("positive")]
    Positive,

    /// <summary>Neutral sentiment.</summary>
    [JsonStringEnumMemberName("neutral")]
    Neutral,

    /// <summary>Negative sentiment.</summary>
    [JsonStringEnumMemberName("negative")]
    Negative,
}
