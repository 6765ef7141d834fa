using System.Runtime.InteropServices;

namespace SseRx.Host.Sentiment;

/// <summary>The counts of the items ingested in one minute, as kept by <see cref="SentimentAggregator"/>.</summary>
internal sealed class SentimentMinuteBucket
{
    private LabelCounts _labels;

    /// <summary>Counts by label.</summary>
    public ref readonly LabelCounts Labels => ref _labels;

    /// <summary>Per ticker: the item count and the sum of their scores (for the rolling mean).</summary>
    public Dictionary<string, TickerTally> Tickers { get; } = new(StringComparer.Ordinal);

    public void Add(SentimentItem item)
    {
        _labels.Add(item.Sentiment);
        ref var tally = ref CollectionsMarshal.GetValueRefOrAddDefault(Tickers, item.Ticker, out _);
        tally.Count++;
        tally.ScoreSum += item.Score;
    }
}

/// <summary>Item counts by label.</summary>
internal struct LabelCounts
{
    public int Positive;
    public int Neutral;
    public int Negative;

    public readonly int Total => Positive + Neutral + Negative;

    public void Add(SentimentLabel label)
    {
        switch (label)
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
    }

    public void Subtract(in LabelCounts other)
    {
        Positive -= other.Positive;
        Neutral -= other.Neutral;
        Negative -= other.Negative;
    }
}

/// <summary>A ticker's item count and score sum in one bucket or window.</summary>
internal struct TickerTally
{
    public int Count;
    public double ScoreSum;
}
