using System.Runtime.InteropServices;

namespace SseRx.Sentiment;

/// <summary>The counts of the items ingested in one minute, as kept by <see cref="SentimentAggregator"/>.</summary>
internal sealed class SentimentMinuteBucket(long minute)
{
    /// <summary>The minute, counted from <see cref="DateTimeOffset.MinValue"/> (UTC).</summary>
    public long Minute { get; } = minute;

    public int Positive { get; private set; }

    public int Neutral { get; private set; }

    public int Negative { get; private set; }

    public int Total => Positive + Neutral + Negative;

    /// <summary>Per ticker: the item count and the sum of their scores (for the rolling mean).</summary>
    public Dictionary<string, TickerTally> Tickers { get; } = new(StringComparer.Ordinal);

    public void Add(SentimentItem item)
    {
        switch (item.Sentiment)
        {
            case SentimentLabel.Positive:
                Positive++;
                break;
            case SentimentLabel.Negative:
                Negative++;
                break;
            default:
                Neutral++;
                break;
        }

        ref var tally = ref CollectionsMarshal.GetValueRefOrAddDefault(Tickers, item.Ticker, out _);
        tally.Count++;
        tally.ScoreSum += item.Score;
    }
}

/// <summary>A ticker's item count and score sum in one bucket or window.</summary>
internal struct TickerTally
{
    public int Count;
    public double ScoreSum;
}
