using System.Text.Json.Serialization;

namespace SseRx.Host.Configurations;

/// <summary>
/// Source-generated JSON for reading configuration request bodies. Strict: a member the type does not declare is an
/// error (so a misspelt field is reported, not silently dropped), and nesting deeper than
/// <see cref="ConfigurationBodyReader.MaxDepth"/> levels is refused.
/// </summary>
/// <remarks>Read-only use: the depth limit fits requests, not responses (see <see cref="ConfigurationResponseJsonContext"/>).</remarks>
[JsonSourceGenerationOptions(
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    MaxDepth = ConfigurationBodyReader.MaxDepth)]
[JsonSerializable(typeof(ConfigurationRequest))]
internal sealed partial class ConfigurationJsonContext : JsonSerializerContext;
