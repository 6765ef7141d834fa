using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace SseRx.Host.Auth;

/// <summary>Who is calling: the one place endpoints read the caller's user id from.</summary>
internal static class UserIdentity
{
    /// <summary>The request header a trusted proxy sets to the authenticated user's id.</summary>
    public const string UserIdHeader = "X-User-ID";

    /// <summary>The longest accepted <see cref="UserIdHeader"/> value, in characters.</summary>
    public const int MaxHeaderUserIdLength = 128;

    /// <summary>The longest accepted <c>sub</c> claim, in characters (OpenID Connect's limit).</summary>
    public const int MaxSubjectLength = 255;

    /// <summary>
    /// The caller's user id, or <see langword="null"/> when the request carries no acceptable identity (the endpoint
    /// then answers 401 with <see cref="Unauthorized"/>). In order:
    /// <list type="number">
    /// <item>a Bearer token validated by the authentication middleware (<see cref="AuthenticationServiceCollectionExtensions.AddSseRxAuthentication"/>):
    /// its <c>sub</c> claim (else its <see cref="ClaimTypes.NameIdentifier"/> claim), if 1 to <see cref="MaxSubjectLength"/> characters;</item>
    /// <item>any <c>Authorization</c> header that did not validate (bad signature, expired, wrong issuer or audience, other
    /// scheme): <see langword="null"/>. A rejected credential is never replaced by the header below;</item>
    /// <item>only when <see cref="SseRxAuthOptions.TrustUserIdHeader"/> is <see langword="true"/> (default
    /// <see langword="false"/>: production ignores the header): a single <c>X-User-ID</c> header of 1 to
    /// <see cref="MaxHeaderUserIdLength"/> characters from <c>[A-Za-z0-9._@:-]</c>; any other value counts as no identity;</item>
    /// <item>otherwise <see langword="null"/>.</item>
    /// </list>
    /// </summary>
    /// <remarks>Thread-safe; allocation-free apart from reading the options. Token and header ids share one namespace of owners.</remarks>
    public static string? GetUserId(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);

        var authentication = context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult;
        if (authentication is { Succeeded: true, Principal: { } principal })
        {
            var subject = principal.FindFirst("sub")?.Value ?? principal.FindFirst(ClaimTypes.NameIdentifier)?.Value;
            return subject is { Length: > 0 and <= MaxSubjectLength } ? subject : null;
        }

        var request = context.Request;
        if (request.Headers.Authorization.Count > 0)
        {
            return null;
        }

        if (!context.RequestServices.GetRequiredService<IOptions<SseRxAuthOptions>>().Value.TrustUserIdHeader)
        {
            return null;
        }

        var values = request.Headers[UserIdHeader];
        return values.Count == 1 && IsValidHeaderUserId(values[0]) ? values[0] : null;
    }

    /// <summary>The 401 problem-details response for a request with no acceptable identity, with a Bearer challenge.</summary>
    public static IResult Unauthorized(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: "A valid Bearer token (or, behind a trusted proxy, an X-User-ID header) is required.");
    }

    /// <summary>Whether <paramref name="value"/> is an acceptable <see cref="UserIdHeader"/> value: 1 to 128 characters from <c>[A-Za-z0-9._@:-]</c>.</summary>
    internal static bool IsValidHeaderUserId(string? value)
    {
        if (value is not { Length: > 0 and <= MaxHeaderUserIdLength })
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or ':' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
