using System.Text.Json.Serialization;

namespace SseRx;

/// <summary>The data of a <c>heartbeat</c> event.</summary>
/// <param name="Timestamp">The server's time when the heartbeat was made (UTC).</param>
/// <param name="Connections">Open streams in this process at that time.</param>
public sealed record HeartbeatData(
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp,
    [property: JsonPropertyName("connections")] int Connections);

/// <summary>The data of a <c>resync</c> event.</summary>
/// <param name="Reason">Why the client's <c>Last-Event-ID</c> could not be resumed: <c>malformed</c>, <c>unknown</c> or <c>too_old</c>.</param>
public sealed record ResyncData([property: JsonPropertyName("reason")] string Reason);

/// <summary>Source-generated JSON contracts for the events SseRx makes itself (heartbeats and resyncs).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(HeartbeatData))]
[JsonSerializable(typeof(ResyncData))]
internal sealed partial class ControlJsonContext : JsonSerializerContext;
