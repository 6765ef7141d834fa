namespace SseRx.Host.Auth;

/// <summary>
/// How Bearer tokens (JWTs) are validated: settings <c>SseRx:Auth:Jwt:*</c>. Configure either
/// <see cref="SigningKey"/> (self-hosted issuers and tests) or <see cref="Authority"/> (an OpenID Connect provider),
/// not both. With neither, every Bearer token is rejected (401).
/// </summary>
/// <remarks>
/// Tokens must be signed, unexpired (<c>exp</c> required; <see cref="ClockSkew"/> of tolerance), issued by
/// <see cref="Issuer"/> and addressed to <see cref="Audience"/>; the caller is the token's <c>sub</c> claim.
/// </remarks>
internal sealed class JwtAuthOptions
{
    /// <summary>Tolerance for clock differences with the issuer when checking <c>exp</c> and <c>nbf</c>: 30 seconds.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>The minimum length of <see cref="SigningKey"/>, in UTF-8 bytes (256 bits, what HMAC-SHA256 needs).</summary>
    public const int MinSigningKeyBytes = 32;

    /// <summary>
    /// The expected <c>iss</c> claim. Required with <see cref="SigningKey"/>; with <see cref="Authority"/> it defaults to
    /// the issuer the provider's metadata announces.
    /// </summary>
    public string? Issuer { get; set; }

    /// <summary>The expected <c>aud</c> claim. Required whenever tokens are accepted.</summary>
    public string? Audience { get; set; }

    /// <summary>
    /// A symmetric HMAC key, as UTF-8 text of at least <see cref="MinSigningKeyBytes"/> bytes. A secret: supply it
    /// from the environment or a secret store, never from a committed settings file.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// The OpenID Connect provider's base URL (its metadata is read from <c>/.well-known/openid-configuration</c>).
    /// Must be https, except for a loopback host.
    /// </summary>
    public string? Authority { get; set; }
}
