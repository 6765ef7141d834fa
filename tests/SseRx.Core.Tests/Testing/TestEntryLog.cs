using System.Reactive.Concurrency;
using System.Text.Json.Serialization;

namespace SseRx.Tests.Testing;

/// <summary>An entry of a <see cref="TestEntryLog"/>: a key, a timestamp in Unix milliseconds, and a topic.</summary>
public sealed record TestEntry(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("ms")] long Ms,
    [property: JsonPropertyName("topic")] string Topic = "A")
{
    public SseEventId Id => new(Ms, Key);

    /// <summary>The entry's event: type <c>entry</c>, id its position, topic its topic.</summary>
    public static SseEvent ToEvent(TestEntry entry) =>
        SseEvent.Create("entry", entry.Id, entry, TestEntryJson.Default.TestEntry, entry.Topic);
}

[JsonSerializable(typeof(TestEntry))]
[JsonSerializable(typeof(int))]
internal sealed partial class TestEntryJson : JsonSerializerContext;

/// <summary>
/// A store of <see cref="TestEntry"/> on a virtual clock, where each entry may become visible later than its timestamp
/// (a late write), to test the resume model against late visibility. Reads see only what is visible at the scheduler's
/// "now". Thread-safe.
/// </summary>
internal sealed class TestEntryLog(IScheduler scheduler, TimeSpan visibilityDelay) : IEntryLog<TestEntry>
{
    private readonly Lock _gate = new();
    private readonly List<(TestEntry Entry, DateTimeOffset VisibleAt)> _entries = [];

    public TimeSpan VisibilityDelay => visibilityDelay;

    /// <summary>The position from which this log holds everything (a fresh in-memory store's creation, say).</summary>
    public SseEventId KnownSince { get; set; } = SseEventId.AtTime(DateTimeOffset.UnixEpoch);

    /// <summary>When set, every read fails with it.</summary>
    public Exception? Fault { get; set; }

    public int Reads { get; private set; }

    public List<EntryRange> Ranges { get; } = [];

    /// <summary>Writes <paramref name="entry"/>, visible to readers <paramref name="lag"/> after its timestamp (at once if that is past).</summary>
    public void Write(TestEntry entry, TimeSpan lag = default)
    {
        lock (_gate)
        {
            _entries.Add((entry, DateTimeOffset.FromUnixTimeMilliseconds(entry.Ms) + lag));
        }
    }

    /// <summary>Every entry written, in position order.</summary>
    public TestEntry[] All()
    {
        lock (_gate)
        {
            return [.. _entries.Select(e => e.Entry).OrderBy(e => e.Id)];
        }
    }

    public bool HoldsEverythingAfter(SseEventId after) => after >= KnownSince;

    public SseEventId PositionOf(TestEntry entry) => entry.Id;

    public ValueTask<IReadOnlyList<TestEntry>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Reads++;
            Ranges.Add(range);
            if (Fault is { } fault)
            {
                return ValueTask.FromException<IReadOnlyList<TestEntry>>(fault);
            }

            var now = scheduler.Now;
            var visible = _entries.Where(e => e.VisibleAt <= now && range.Contains(e.Entry.Id)).Select(e => e.Entry);
            var ordered = range.NewestFirst ? visible.OrderByDescending(e => e.Id) : visible.OrderBy(e => e.Id);
            return ValueTask.FromResult<IReadOnlyList<TestEntry>>([.. ordered.Take(range.MaxEntries)]);
        }
    }
}

/// <summary>A projection over <see cref="TestEntry"/>: the count of entries per topic, as state <c>count.{topic}</c>.</summary>
internal sealed class CountProjection(TimeSpan window) : IStateProjection<TestEntry>
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _sent = new(StringComparer.Ordinal);

    public TimeSpan Window => window;

    public List<TestEntry> Applied { get; } = [];

    public void Apply(TestEntry entry)
    {
        Applied.Add(entry);
        _counts[entry.Topic] = _counts.GetValueOrDefault(entry.Topic) + 1;
    }

    public void Collect(DateTimeOffset watermark, ICollection<SseEvent> changes)
    {
        foreach (var (topic, count) in _counts)
        {
            if (!_sent.TryGetValue(topic, out var sent) || sent != count)
            {
                changes.Add(SseEvent.Create("count", SseEventId.ForState(watermark, "count." + topic), count, TestEntryJson.Default.Int32, topic));
                _sent[topic] = count;
            }
        }
    }
}
