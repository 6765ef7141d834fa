using System.Text.Json.Serialization;

namespace SseRx.Orders;

internal sealed record StatusInput(string? Status);

/// <summary>An order's new status; on the wire, an <c>order_status</c> event whose topic is the order.</summary>
internal sealed record StatusUpdate(string Id, string OrderId, string Status, DateTimeOffset At)
{
    public static readonly string[] Statuses = ["placed", "paid", "packed", "shipped", "delivered", "cancelled"];

    /// <summary>Its place in the log and its event's id: the time and the zero-padded sequence key the log stamped.</summary>
    [JsonIgnore]
    public SseEventId Position => SseEventId.Create(At, Id);

    public static SseEvent ToEvent(StatusUpdate update) =>
        SseEvent.Create("order_status", update.Position, update, OrderJson.Default.StatusUpdate, topic: update.OrderId);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(StatusUpdate))]
internal sealed partial class OrderJson : JsonSerializerContext;
