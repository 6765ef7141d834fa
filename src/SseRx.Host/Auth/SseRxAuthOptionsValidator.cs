using System.Text;
using Microsoft.Extensions.Options;

namespace SseRx.Host.Auth;

/// <summary>Fails start-up with a clear message when the <c>SseRx:Auth</c> settings cannot work.</summary>
internal sealed class SseRxAuthOptionsValidator : IValidateOptions<SseRxAuthOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SseRxAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var jwt = options.Jwt;
        var failures = new List<string>();
        var hasKey = !string.IsNullOrEmpty(jwt.SigningKey);
        var hasAuthority = !string.IsNullOrEmpty(jwt.Authority);

        if (hasKey && hasAuthority)
        {
            failures.Add("Set only one of SseRx:Auth:Jwt:SigningKey and SseRx:Auth:Jwt:Authority.");
        }

        if (hasKey && Encoding.UTF8.GetByteCount(jwt.SigningKey!) < JwtAuthOptions.MinSigningKeyBytes)
        {
            failures.Add($"SseRx:Auth:Jwt:SigningKey must be at least {JwtAuthOptions.MinSigningKeyBytes} bytes of UTF-8.");
        }

        if (hasKey && string.IsNullOrEmpty(jwt.Issuer))
        {
            failures.Add("SseRx:Auth:Jwt:Issuer is required with SseRx:Auth:Jwt:SigningKey.");
        }

        if ((hasKey || hasAuthority) && string.IsNullOrEmpty(jwt.Audience))
        {
            failures.Add("SseRx:Auth:Jwt:Audience is required when Bearer tokens are accepted.");
        }

        if (hasAuthority && !IsAcceptableAuthority(jwt.Authority!))
        {
            failures.Add("SseRx:Auth:Jwt:Authority must be an absolute https URL (http only for a loopback host).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Whether <paramref name="authority"/> is an absolute https URL, or http on a loopback host.</summary>
    internal static bool IsAcceptableAuthority(string authority) =>
        Uri.TryCreate(authority, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || (uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback));
}
