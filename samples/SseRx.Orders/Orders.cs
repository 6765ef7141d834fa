using System.Reactive.Concurrency;
using System.Text.Json.Serialization;

namespace SseRx.Orders;

internal sealed record StatusInput(string? Status);

/// <summary>An order's new status; on the wire, an <c>order_status</c> event whose topic is the order.</summary>
internal sealed record StatusUpdate(string Id, string OrderId, string Status, DateTimeOffset At)
{
    public static readonly string[] Statuses = ["placed", "paid", "packed", "shipped", "delivered", "cancelled"];

    /// <summary>Its place in the log and its event's id. <see cref="Id"/> is zero-padded, so it sorts as a number.</summary>
    [JsonIgnore]
    public SseEventId Position => SseEventId.Create(At, Id);

    public static SseEvent ToEvent(StatusUpdate update) =>
        SseEvent.Create("order_status", update.Position, update, OrderJson.Default.StatusUpdate, topic: update.OrderId);
}

/// <summary>
/// The status updates, and what SseRx polls. Thread-safe: an update is stamped on the feed's clock and stored under one
/// lock, and times never go back, so a poll never passes an update still to come. A real app would query its database.
/// </summary>
internal sealed class StatusLog(IScheduler clock) : IEntryLog<StatusUpdate>
{
    private readonly Lock _gate = new();
    private readonly List<StatusUpdate> _updates = [];
    private readonly SseEventId _created = SseEventId.AtTime(clock.Now);

    public TimeSpan VisibilityDelay => TimeSpan.FromMilliseconds(50);

    public StatusUpdate Add(string orderId, string status)
    {
        lock (_gate)
        {
            var now = clock.Now;
            _updates.Add(new StatusUpdate($"{_updates.Count + 1:D8}", orderId, status, _updates.Count > 0 && _updates[^1].At > now ? _updates[^1].At : now));
            return _updates[^1];
        }
    }

    public bool HoldsEverythingAfter(SseEventId after) => after >= _created;

    public SseEventId PositionOf(StatusUpdate entry) => entry.Position;

    public ValueTask<IReadOnlyList<StatusUpdate>> ReadAsync(EntryRange range, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var inRange = _updates.Where(u => range.Contains(u.Position));
            return ValueTask.FromResult<IReadOnlyList<StatusUpdate>>([.. (range.NewestFirst ? inRange.Reverse() : inRange).Take(range.MaxEntries)]);
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StatusUpdate))]
internal sealed partial class OrderJson : JsonSerializerContext;
