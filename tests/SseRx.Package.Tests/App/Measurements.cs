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

    /// <summary>A valid input as the measurement stored at <paramref name="position"/>.</summary>
    public static Measurement Create(MeasurementInput input, SseEventId position) =>
        new(position.Key, input.Sensor!, input.Value!.Value, position.Timestamp);

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

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Measurement))]
[JsonSerializable(typeof(MeasurementTotal))]
internal sealed partial class AppJson : JsonSerializerContext;
