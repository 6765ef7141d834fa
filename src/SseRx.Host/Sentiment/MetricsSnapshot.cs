using System.Text.Json.Serialization;

namespace SseRx.Host.Sentiment;

/// <summary>
/// The aggregate metrics sent in a <c>metrics</c> event and by <c>GET /api/v2/metrics</c>.
/// </summary>
/// <remarks>
/// Counts cover the items ingested in the metrics window (by default the last 24 hours, see
/// <see cref="SentimentAggregator"/>). Two snapshots are equal when every field is equal, which is what
/// change detection compares. Instances are immutable.
/// </remarks>
public sealed class MetricsSnapshot : IEquatable<MetricsSnapshot>
{
    /// <summary>Creates a snapshot.</summary>
    /// <param name="total">Items in the window.</param>
    /// <param name="positive">Positive items in the window.</param>
    /// <param name="neutral">Neutral items in the window.</param>
    /// <param name="negative">Negative items in the window.</param>
    /// <param name="byTag">Items in the window per ticker.</param>
    /// <param name="rateLastHour">Items ingested in the last hour (items per hour).</param>
    /// <param name="rateLast24h">Items ingested in the last 24 hours divided by 24 (items per hour).</param>
    public MetricsSnapshot(
        int total, int positive, int neutral, int negative,
        IReadOnlyDictionary<string, int> byTag, double rateLastHour, double rateLast24h)
    {
        ArgumentNullException.ThrowIfNull(byTag);
        Total = total;
        Positive = positive;
        Neutral = neutral;
        Negative = negative;
        ByTag = byTag is SortedDictionary<string, int> sorted ? sorted : new SortedDictionary<string, int>(byTag.ToDictionary(), StringComparer.Ordinal);
        RateLastHour = rateLastHour;
        RateLast24h = rateLast24h;
    }

    /// <summary>A snapshot with no items.</summary>
    public static MetricsSnapshot Empty { get; } =
        new(0, 0, 0, 0, new SortedDictionary<string, int>(StringComparer.Ordinal), 0, 0);

    /// <summary>Items in the window.</summary>
    [JsonPropertyName("total")]
    public int Total { get; }

    /// <summary>Positive items in the window.</summary>
    [JsonPropertyName("positive")]
    public int Positive { get; }

    /// <summary>Neutral items in the window.</summary>
    [JsonPropertyName("neutral")]
    public int Neutral { get; }

    /// <summary>Negative items in the window.</summary>
    [JsonPropertyName("negative")]
    public int Negative { get; }

    /// <summary>Items in the window per ticker, ordered by ticker.</summary>
    [JsonPropertyName("by_tag")]
    public IReadOnlyDictionary<string, int> ByTag { get; }

    /// <summary>Items ingested in the last hour, in items per hour.</summary>
    [JsonPropertyName("rate_last_hour")]
    public double RateLastHour { get; }

    /// <summary>Items ingested in the last 24 hours, averaged to items per hour.</summary>
    [JsonPropertyName("rate_last_24h")]
    public double RateLast24h { get; }

    /// <inheritdoc />
    public bool Equals(MetricsSnapshot? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (Total != other.Total || Positive != other.Positive || Neutral != other.Neutral ||
            Negative != other.Negative || RateLastHour != other.RateLastHour ||
            RateLast24h != other.RateLast24h || ByTag.Count != other.ByTag.Count)
        {
            return false;
        }

        foreach (var (tag, count) in ByTag)
        {
            if (!other.ByTag.TryGetValue(tag, out var otherCount) || otherCount != count)
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as MetricsSnapshot);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Total, Positive, Neutral, Negative, ByTag.Count, RateLastHour, RateLast24h);
}
