using System.Text.Json.Serialization;

namespace SseRx.Host.Configurations;

/// <summary>The body of <c>POST /api/v2/configurations</c> and <c>PUT /api/v2/configurations/{id}</c>, as sent.</summary>
/// <remarks>
/// Both members are nullable because the client may omit them; <see cref="ConfigurationValidator"/> decides what is
/// acceptable. Any other member is rejected (<see cref="ConfigurationJsonContext"/> disallows unmapped members).
/// </remarks>
internal sealed class ConfigurationRequest
{
    /// <summary>The display name.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>The tickers to stream.</summary>
    [JsonPropertyName("tickers")]
    public IReadOnlyList<string?>? Tickers { get; init; }
}
