using System.Text.Json;
using System.Text.Json.Serialization;

namespace SseRx.Embedding;

/// <summary>The wire events: a <c>review</c> per review, serialized once for every client.</summary>
internal static class ReviewEvents
{
    public static SseEvent ToEvent(Review review) =>
        SseEvent.Create("review", review.Position, review, ReviewJson.Default.Review);
}

/// <summary>The <c>stats</c> state event's data.</summary>
internal sealed record ReviewSummary(int Reviews, double? AverageRating);

/// <summary>
/// The reviews' aggregate as a state event (<c>stats</c>): the journal keeps its latest value, which a new client gets
/// at connect; every client gets it again when it changes. The feed calls it from one thread at a time.
/// </summary>
internal sealed class ReviewStats : IStateProjection<Review>
{
    private int _count;
    private long _sum;
    private bool _changed = true;

    /// <summary>Every review the log holds, on the first poll.</summary>
    public TimeSpan Window => TimeSpan.MaxValue;

    public void Apply(Review entry)
    {
        _count++;
        _sum += entry.Rating;
        _changed = true;
    }

    public void Collect(DateTimeOffset watermark, ICollection<SseEvent> changes)
    {
        if (_changed)
        {
            _changed = false;
            var summary = new ReviewSummary(_count, _count == 0 ? null : Math.Round((double)_sum / _count, 2));
            changes.Add(SseEvent.Create("stats", SseEventId.ForState(watermark, "stats"), summary, ReviewJson.Default.ReviewSummary));
        }
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Review))]
[JsonSerializable(typeof(ReviewSummary))]
internal sealed partial class ReviewJson : JsonSerializerContext;
