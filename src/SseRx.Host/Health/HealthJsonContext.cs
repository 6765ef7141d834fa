using System.Text.Json.Serialization;

namespace SseRx.Host.Health;

/// <summary>Source-generated JSON for <c>GET /health</c> (Native AOT has no reflection-based serializer).</summary>
[JsonSerializable(typeof(HealthEndpoints.HealthReport))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
