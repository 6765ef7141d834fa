using System.Globalization;
using Microsoft.Extensions.Options;

namespace SseRx.Host.Hosting;

/// <summary>Fails start-up with a message naming the setting when <c>SseRx:RateLimit</c> cannot work.</summary>
internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    // Retry-After is whole seconds; a longer window is a typo, not a policy.
    private static readonly TimeSpan MaxWindow = TimeSpan.FromHours(1);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.PermitsPerWindow < 1)
        {
            errors.Add(Invalid(nameof(options.PermitsPerWindow), options.PermitsPerWindow, "at least 1"));
        }

        if (options.Window <= TimeSpan.Zero || options.Window > MaxWindow)
        {
            errors.Add(Invalid(nameof(options.Window), options.Window, "a positive duration of at most 01:00:00, such as 00:00:10"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static string Invalid(string key, object value, string allowed) =>
        string.Create(CultureInfo.InvariantCulture, $"{RateLimitOptions.SectionName}:{key} is '{value}'; it must be {allowed}.");
}
