namespace SseRx.Host.Auth;

/// <summary>
/// Who may call the owner-scoped endpoints (configuration CRUD and configuration streams): settings section
/// <c>SseRx:Auth</c> (environment form <c>SseRx__Auth__...</c>).
/// </summary>
/// <remarks>
/// The defaults are the production-safe ones: <see cref="TrustUserIdHeader"/> is <see langword="false"/> and no JWT
/// issuer is configured, so until an operator configures one of them every owner-scoped call is 401 (nothing is
/// served under a guessed identity). Development turns the header on in <c>appsettings.Development.json</c>.
/// Validated at start-up by <see cref="SseRxAuthOptionsValidator"/>.
/// </remarks>
internal sealed class SseRxAuthOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "SseRx:Auth";

    /// <summary>
    /// Whether the <c>X-User-ID</c> request header is accepted as the caller's identity when the request has no
    /// <c>Authorization</c> header. Default <see langword="false"/>. Turn it on ONLY behind a trusted proxy that
    /// authenticates users and overwrites the header: anyone who can reach the host directly can set it to any user.
    /// </summary>
    public bool TrustUserIdHeader { get; set; }

    /// <summary>Bearer token validation (settings <c>SseRx:Auth:Jwt:*</c>).</summary>
    public JwtAuthOptions Jwt { get; set; } = new();
}
