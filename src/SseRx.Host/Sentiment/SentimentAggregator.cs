using System.Runtime.InteropServices;

namespace SseRx.Host.Sentiment;

/// <summary>
/// Keeps the aggregates (metrics and per-ticker rolling sentiment) up to date from new items, incrementally,
/// without ever rescanning a store. Memory is bounded: counts are kept in one-minute buckets over the window.
/// </summary>
/// <remarks>
/// <para>Metrics window: the last 24 hours. <c>rate_last_hour</c> counts the last 60 minutes;
/// <c>rate_last_24h</c> is the 24-hour count divided by 24. Both are in items per hour, rounded to 2 decimals
/// (midpoints away from zero).</para>
/// <para>A ticker's rolling score is the mean score of its items in the last hour, rounded to 3 decimals
/// (midpoints away from zero); its label is positive above 0.2, negative below -0.2, and neutral otherwise,
/// judged on the rounded score so the label always matches the score sent with it.</para>
/// <para>Windows are whole UTC minutes: an item counts towards "the last hour" while the minute it was
/// ingested in is one of the 60 most recent minutes, the current one included, and towards "the last 24 hours"
/// likewise for 1,440 minutes. An item therefore leaves a window up to one minute before it is exactly an hour
/// (or 24 hours) old, never after.</para>
/// <para>The aggregator's clock only moves forward: it is the latest of the times passed to
/// <see cref="Metrics"/> or <see cref="Tickers"/> and the timestamps of the items added. An item stamped after
/// that clock (writer and poller clocks differ) moves it forward and counts at once; an item older than the
/// window is ignored. Buckets that leave the window are dropped, so memory is O(minutes × tickers), at most
/// 1,440 buckets, never O(items).</para>
/// <para>De-duplication is not done here: stores deliver each item once.</para>
/// <para>Not thread-safe: one poller (or one store, under its lock) owns an aggregator.</para>
/// </remarks>
public sealed class SentimentAggregator
{
    /// <summary>The metrics window, in minutes (24 hours).</summary>
    internal const int WindowMinutes = 24 * 60;

    /// <summary>The rolling-score and <c>rate_last_hour</c> window, in minutes.</summary>
    internal const int HourMinutes = 60;

    /// <summary>Scores above this are positive and below its negation negative.</summary>
    internal const double LabelThreshold = 0.2;

    // Slot i holds the bucket of the minute m with m % WindowMinutes == i, or null. After AdvanceTo, every
    // bucket held is within the window, so a slot can only hold the one minute of the window that maps to it.
    private readonly SentimentMinuteBucket?[] _ring = new SentimentMinuteBucket?[WindowMinutes];

    // Running 24-hour totals: integers, so adding and subtracting buckets never drifts.
    private readonly Dictionary<string, int> _byTag = new(StringComparer.Ordinal);
    private LabelCounts _labels;

    // The aggregator's clock: the newest minute reached (minutes since 0001-01-01 UTC), once _started.
    private bool _started;
    private long _head;
    private int _bucketCount;

    /// <summary>The number of minute buckets held; at most 1,440.</summary>
    internal int BucketCount => _bucketCount;

    /// <summary>Adds items (any order; items older than the window are ignored).</summary>
    /// <param name="items">The items to count. Each must be valid (see <see cref="SentimentItem.Validate"/>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="items"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentException">
    /// An item is <see langword="null"/> or invalid. It is not counted; the items before it in
    /// <paramref name="items"/> have been.
    /// </exception>
    public void Add(IEnumerable<SentimentItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        foreach (var item in items)
        {
            if (item is null)
            {
                throw new ArgumentException("The items must not contain null.", nameof(items));
            }

            if (item.Validate() is { } problem)
            {
                throw new ArgumentException($"Invalid item '{item.ItemId}': {problem.Field} {problem.Reason}.", nameof(items));
            }

            AddValidated(item);
        }
    }

    /// <summary>The metrics as of <paramref name="now"/>.</summary>
    /// <param name="now">The current time; earlier than the aggregator's clock means "as of that clock".</param>
    /// <returns>A new immutable snapshot; <c>by_tag</c> lists only tickers with items in the window.</returns>
    public MetricsSnapshot Metrics(DateTimeOffset now)
    {
        AdvanceTo(MinuteOf(now));
        var lastHour = 0;
        for (var m = _head - HourMinutes + 1; m <= _head; m++)
        {
            if (_ring[SlotOf(m)] is { } bucket)
            {
                lastHour += bucket.Labels.Total;
            }
        }

        var total = _labels.Total;
        return new MetricsSnapshot(
            total,
            _labels.Positive,
            _labels.Neutral,
            _labels.Negative,
            new SortedDictionary<string, int>(_byTag, StringComparer.Ordinal),
            Math.Round((double)lastHour, 2, MidpointRounding.AwayFromZero),
            Math.Round(total / 24.0, 2, MidpointRounding.AwayFromZero));
    }

    /// <summary>Every ticker with items in the last hour, and its rolling sentiment as of <paramref name="now"/>, ordered by ticker.</summary>
    /// <param name="now">The current time; earlier than the aggregator's clock means "as of that clock".</param>
    /// <returns>A new list, ordered by ticker (ordinal); empty when no item arrived in the last hour.</returns>
    public IReadOnlyList<TickerSentiment> Tickers(DateTimeOffset now)
    {
        AdvanceTo(MinuteOf(now));
        var tallies = new SortedDictionary<string, TickerTally>(StringComparer.Ordinal);
        for (var m = _head - HourMinutes + 1; m <= _head; m++)
        {
            if (_ring[SlotOf(m)] is not { } bucket)
            {
                continue;
            }

            foreach (var (ticker, tally) in bucket.Tickers)
            {
                tallies.TryGetValue(ticker, out var sum);
                sum.Count += tally.Count;
                sum.ScoreSum += tally.ScoreSum;
                tallies[ticker] = sum;
            }
        }

        var result = new TickerSentiment[tallies.Count];
        var i = 0;
        foreach (var (ticker, tally) in tallies)
        {
            var score = Math.Round(tally.ScoreSum / tally.Count, 3, MidpointRounding.AwayFromZero);
            result[i++] = new TickerSentiment(ticker, score, LabelOf(score));
        }

        return result;
    }

    /// <summary>The label a rolling score falls under.</summary>
    internal static SentimentLabel LabelOf(double score) =>
        score > LabelThreshold ? SentimentLabel.Positive
        : score < -LabelThreshold ? SentimentLabel.Negative
        : SentimentLabel.Neutral;

    /// <summary>Counts an item the caller has validated (the store validates on <c>Add</c>).</summary>
    internal void AddValidated(SentimentItem item)
    {
        var minute = MinuteOf(item.Timestamp);
        if (!_started || minute > _head)
        {
            AdvanceTo(minute);
        }
        else if (minute <= _head - WindowMinutes)
        {
            return;
        }

        var slot = SlotOf(minute);
        var bucket = _ring[slot];
        if (bucket is null)
        {
            bucket = new SentimentMinuteBucket();
            _ring[slot] = bucket;
            _bucketCount++;
        }

        bucket.Add(item);
        _labels.Add(item.Sentiment);

        CollectionsMarshal.GetValueRefOrAddDefault(_byTag, item.Ticker, out _)++;
    }

    // UtcTicks is never negative, so integer division is a floor.
    private static long MinuteOf(DateTimeOffset time) => time.UtcTicks / TimeSpan.TicksPerMinute;

    private static int SlotOf(long minute) => (int)(minute % WindowMinutes);

    private void AdvanceTo(long minute)
    {
        if (_started && minute <= _head)
        {
            return;
        }

        if (!_started || minute - _head >= WindowMinutes)
        {
            // Everything held leaves the window: clear the ring rather than walk the skipped minutes.
            if (_bucketCount > 0)
            {
                Array.Clear(_ring);
                _bucketCount = 0;
                _byTag.Clear();
                _labels = default;
            }
        }
        else
        {
            // Minute m's slot holds minute m - WindowMinutes if anything, which leaves the window as m arrives.
            for (var m = _head + 1; m <= minute; m++)
            {
                Evict(SlotOf(m));
            }
        }

        _started = true;
        _head = minute;
    }

    private void Evict(int slot)
    {
        var bucket = _ring[slot];
        if (bucket is null)
        {
            return;
        }

        _ring[slot] = null;
        _bucketCount--;
        _labels.Subtract(bucket.Labels);
        foreach (var (ticker, tally) in bucket.Tickers)
        {
            ref var count = ref CollectionsMarshal.GetValueRefOrNullRef(_byTag, ticker);
            count -= tally.Count;
            if (count == 0)
            {
                _byTag.Remove(ticker);
            }
        }
    }
}
