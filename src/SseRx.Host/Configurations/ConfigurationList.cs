using System.Text.Json.Serialization;

namespace SseRx.Host.Configurations;

/// <summary>The body of <c>GET /api/v2/configurations</c>: an object rather than a bare array, so fields can be added.</summary>
/// <param name="Configurations">The caller's configurations, oldest first.</param>
internal sealed record ConfigurationList(
    [property: JsonPropertyName("configurations")] IReadOnlyList<UserConfiguration> Configurations);
