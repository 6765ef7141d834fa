using System.Globalization;
using Amazon.DynamoDBv2.Model;
using SseRx.Host.Sentiment;

namespace SseRx.Host.DynamoDb;

/// <summary>
/// The layout of the items table: hour buckets as partitions, event ids as sort keys. See README.md next to this file.
/// </summary>
internal static class ItemSchema
{
    public const string Bucket = "bucket";
    public const string SortKey = "sk";
    public const string ItemId = "item_id";
    public const string Ticker = "ticker";
    public const string Sentiment = "sentiment";
    public const string Score = "score";
    public const string Timestamp = "timestamp";
    public const string ExpiresAt = "expires_at";

    /// <summary>Every attribute a reader needs, aliased because <c>timestamp</c> is a DynamoDB reserved word.</summary>
    public const string Projection = "#id, #tk, #se, #sc, #ts";

    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>The names <see cref="Projection"/> uses.</summary>
    public static readonly IReadOnlyDictionary<string, string> ProjectionNames = new Dictionary<string, string>(5, StringComparer.Ordinal)
    {
        ["#id"] = ItemId,
        ["#tk"] = Ticker,
        ["#se"] = Sentiment,
        ["#sc"] = Score,
        ["#ts"] = Timestamp,
    };

    /// <summary>The partition of the hour holding <paramref name="unixMilliseconds"/>: <c>yyyy-MM-ddTHH</c> in UTC.</summary>
    public static string BucketOf(long unixMilliseconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds(unixMilliseconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH", CultureInfo.InvariantCulture);

    /// <summary>The item as the writer stores it.</summary>
    public static Dictionary<string, AttributeValue> ToAttributes(SentimentItem item, TimeSpan timeToLive)
    {
        var eventId = item.EventId;
        var ms = eventId.UnixMilliseconds;
        var expiresAt = (ms / 1000) + (long)timeToLive.TotalSeconds;
        return new Dictionary<string, AttributeValue>(8, StringComparer.Ordinal)
        {
            [Bucket] = new() { S = BucketOf(ms) },
            [SortKey] = new() { S = eventId.ToString() },
            [ItemId] = new() { S = item.ItemId },
            [Ticker] = new() { S = item.Ticker },
            [Sentiment] = new() { S = LabelText(item.Sentiment) },
            [Score] = new() { N = item.Score.ToString("R", CultureInfo.InvariantCulture) },

            // Stored at millisecond precision, so the item read back has exactly the event id its sort key holds.
            [Timestamp] = new() { S = eventId.Timestamp.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture) },
            [ExpiresAt] = new() { N = expiresAt.ToString(CultureInfo.InvariantCulture) },
        };
    }

    /// <summary>
    /// Reads an item written by <see cref="ToAttributes"/> or by another writer that follows the table design
    /// (<c>timestamp</c> as ISO-8601 text or Unix milliseconds). Returns <see langword="false"/> for anything
    /// malformed or invalid, so one bad row cannot fail every poll.
    /// </summary>
    public static bool TryRead(Dictionary<string, AttributeValue> attributes, out SentimentItem item)
    {
        item = null!;
        if (!TryGetString(attributes, ItemId, out var itemId) ||
            !TryGetString(attributes, Ticker, out var ticker) ||
            !TryGetString(attributes, Sentiment, out var sentimentText) ||
            !TryParseLabel(sentimentText, out var label) ||
            !attributes.TryGetValue(Score, out var scoreValue) || scoreValue.N is null ||
            !double.TryParse(scoreValue.N, NumberStyles.Float, CultureInfo.InvariantCulture, out var score) ||
            !attributes.TryGetValue(Timestamp, out var timestampValue) ||
            !TryParseTimestamp(timestampValue, out var timestamp))
        {
            return false;
        }

        var candidate = new SentimentItem(itemId, ticker, label, score, timestamp);
        if (candidate.Validate() is not null)
        {
            return false;
        }

        item = candidate;
        return true;
    }

    private static bool TryGetString(Dictionary<string, AttributeValue> attributes, string name, out string value)
    {
        value = attributes.TryGetValue(name, out var attribute) ? attribute.S ?? string.Empty : string.Empty;
        return value.Length > 0;
    }

    private static bool TryParseTimestamp(AttributeValue value, out DateTimeOffset timestamp)
    {
        timestamp = default;
        if (value.S is { Length: > 0 } text)
        {
            return DateTimeOffset.TryParse(
                text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out timestamp) &&
                timestamp.ToUnixTimeMilliseconds() >= 0;
        }

        if (value.N is { Length: > 0 } number &&
            long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) &&
            milliseconds <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
        {
            timestamp = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
            return true;
        }

        return false;
    }

    private static string LabelText(SentimentLabel label) => label switch
    {
        SentimentLabel.Positive => "positive",
        SentimentLabel.Negative => "negative",
        _ => "neutral",
    };

    private static bool TryParseLabel(string text, out SentimentLabel label)
    {
        switch (text)
        {
            case "positive":
                label = SentimentLabel.Positive;
                return true;
            case "neutral":
                label = SentimentLabel.Neutral;
                return true;
            case "negative":
                label = SentimentLabel.Negative;
                return true;
            default:
                label = default;
                return false;
        }
    }
}
