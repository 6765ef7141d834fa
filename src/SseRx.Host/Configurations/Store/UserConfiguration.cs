using System.Text.Json.Serialization;

namespace SseRx.Host.Configurations;

/// <summary>A user's saved configuration: a named list of tickers whose stream they want.</summary>
/// <param name="Id">The configuration id (opaque, URL-safe).</param>
/// <param name="OwnerId">The user who owns it.</param>
/// <param name="Name">A display name.</param>
/// <param name="Tickers">The tickers to stream (valid symbols, no duplicates).</param>
/// <param name="CreatedAt">When it was created (UTC).</param>
/// <param name="UpdatedAt">When it was last changed (UTC).</param>
public sealed record UserConfiguration(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("owner_id")] string OwnerId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tickers")] IReadOnlyList<string> Tickers,
    [property: JsonPropertyName("created_at")] DateTimeOffset CreatedAt,
    [property: JsonPropertyName("updated_at")] DateTimeOffset UpdatedAt);
