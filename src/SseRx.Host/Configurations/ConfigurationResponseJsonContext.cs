using System.Text.Json.Serialization;

namespace SseRx.Host.Configurations;

/// <summary>Source-generated JSON for the configuration API's responses.</summary>
[JsonSerializable(typeof(UserConfiguration))]
[JsonSerializable(typeof(ConfigurationList))]
internal sealed partial class ConfigurationResponseJsonContext : JsonSerializerContext;
