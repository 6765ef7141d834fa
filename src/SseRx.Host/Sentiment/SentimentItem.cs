using System.Text.Json.Serialization;

namespace SseRx.Host.Sentiment;

/// <summary>
/// One analysed news item, as stored and as sent in a <c>new_item</c> event
/// (<c>item_id</c>, <c>ticker</c>, <c>sentiment</c>, <c>score</c>, <c>timestamp</c>).
/// </summary>
/// <param name="ItemId">Unique id of the item; a valid entry key (see <see cref="SseEventId.IsEntryKey"/>).</param>
/// <param name="Ticker">The ticker symbol; see <see cref="Tickers.IsValid"/>.</param>
/// <param name="Sentiment">The sentiment label.</param>
/// <param name="Score">The sentiment score, from -1 (most negative) to 1 (most positive).</param>
/// <param name="Timestamp">When the item was ingested (UTC).</param>
public sealed record SentimentItem(
    [property: JsonPropertyName("item_id")] string ItemId,
    [property: JsonPropertyName("ticker")] string Ticker,
    [property: JsonPropertyName("sentiment")] SentimentLabel Sentiment,
    [property: JsonPropertyName("score")] double Score,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp)
{
    /// <summary>The id of this item's <c>new_item</c> event: its ingest time plus its item id.</summary>
    /// <remarks>Not part of the item's JSON: the id travels in the event's <c>id:</c> field.</remarks>
    [JsonIgnore]
    public SseEventId EventId => SseEventId.Create(Timestamp, ItemId);

    /// <summary>
    /// Returns the first problem with this item as (field, reason), or <see langword="null"/> when it is valid.
    /// Stores call this before writing, so nothing invalid reaches the wire.
    /// </summary>
    public (string Field, string Reason)? Validate()
    {
        if (ItemId is null || !SseEventId.IsEntryKey(ItemId))
        {
            return ("item_id", $"must be 1 to {SseEventId.MaxKeyLength} characters from [A-Za-z0-9._:~-], not starting with ~");
        }

        if (!Tickers.IsValid(Ticker))
        {
            return ("ticker", Tickers.FormatDescription);
        }

        if (!Enum.IsDefined(Sentiment))
        {
            return ("sentiment", "must be positive, neutral or negative");
        }

        if (double.IsNaN(Score) || Score < -1 || Score > 1)
        {
            return ("score", "must be a number from -1 to 1");
        }

        return null;
    }
}
