using System.Reactive.Concurrency;
using System.Text.Json.Serialization;

namespace SseRx.Package.App;

internal sealed record MeasurementInput(string? Sensor, double? Value)
{
    public (string Field, string Reason)? Validate() =>
        Sensor is not { Length: > 0 and <= 32 } || !Sensor.All(char.IsAsciiLetterOrDigit) ? ("sensor", "Must be 1 to 32 letters or digits.")
        : Value is not { } value || !double.IsFinite(value) ? ("value", "Must be a number.")
        : null;
}

/// <summary>One measurement: a <c>measurement</c> event whose topic is its sensor.</summary>
internal sealed record Measurement(string Id, string Sensor, double Value, DateTimeOffset At)
{
    [JsonIgnore]
    public SseEventId Position => SseEventId.Create(At, Id);

    public static SseEvent ToEvent(Measurement measurement) =>
        SseEvent.Create("measurement", measurement.Position, measurement, AppJson.Default.Measurement, topic: measurement.Sensor);
}

internal sealed record MeasurementTotal(int Count);

/// <summary>How many measurements there are, as the <c>count</c> state event.</summary>
internal sealed class MeasurementCount : IStateProjection<Measurement>
{
    private int _count;
    private bool _changed = true;

    public TimeSpan Window => TimeSpan.MaxValue;

    public void Apply(Measurement entry)
    {
        _count++;
        _changed = true;
    }

    public void Collect(DateTimeOffset watermark, ICollection<SseEvent> changes)
    {
        if (_changed)
        {
            _changed = false;
            changes.Add(SseEvent.Create("count", SseEventId.ForState(watermark, "count"), new MeasurementTotal(_count), AppJson.Default.MeasurementTotal));
        }
    }
}

/// <summary>
/// The measurements, which the feed polls and resumes read. Thread-safe: a measurement is stamped on the feed's clock and
/// stored under one lock, and times never go back, so a poll never passes a measurement still to come.
/// </summary>
internal sealed class MeasurementLog(IScheduler clock) : IEntryLog<Measurement>
{
    private readonly Lock _gate = new();
    private readonly List<Measurement> _measurements = [];
    private readonly SseEventId _created = SseEventId.AtTime(clock.Now);

    public TimeSpan VisibilityDelay => TimeSpan.FromMilliseconds(50);

    public Measurement Add(MeasurementInput input)
    {
        lock (_gate)
        {
            var now = clock.Now;
            var at = _measurements.Count > 0 && _measurements[^1].At > now ? _measurements[^1].At : now;
            var measurement = new Measurement($"{_measurements.Count + 1:D8}", input.Sensor!, input.Value!.Value, at);
            _measurements.Add(measurement);
            return measurement;
        }
    }

    public bool HoldsEverythingAfter(SseEventId after) => after >= _created;

    public SseEventId PositionOf(Measurement entry) => entry.Position;

    public ValueTask<IReadOnlyList<Measurement>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var inRange = _measurements.Where(m => range.Contains(m.Position));
            return ValueTask.FromResult<IReadOnlyList<Measurement>>([.. (range.NewestFirst ? inRange.Reverse() : inRange).Take(range.MaxEntries)]);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Measurement))]
[JsonSerializable(typeof(MeasurementTotal))]
internal sealed partial class AppJson : JsonSerializerContext;
