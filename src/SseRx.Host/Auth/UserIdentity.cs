namespace SseRx.Host.Auth;

/// <summary>Who is calling: the one place endpoints read the caller's user id from.</summary>
internal static class UserIdentity
{
    /// <summary>
    /// The caller's user id, from a validated Bearer token or (only when configured as trusted) the
    /// <c>X-User-ID</c> header; <see langword="null"/> when the request carries no acceptable identity.
    /// </summary>
    public static string? GetUserId(HttpContext context) => throw new NotImplementedException();
}
