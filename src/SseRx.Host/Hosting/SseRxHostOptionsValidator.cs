using System.Globalization;
using Microsoft.Extensions.Options;

namespace SseRx.Host.Hosting;

/// <summary>
/// Checks <see cref="SseRxHostOptions"/> at start-up, so a bad setting stops the process with a message that names
/// the setting, its value and what is allowed, instead of failing on the first request.
/// </summary>
internal sealed class SseRxHostOptionsValidator : IValidateOptions<SseRxHostOptions>
{
    // The retry: field is whole milliseconds in an int; anything near that is a mistake anyway.
    private static readonly TimeSpan MaxRetryInterval = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, SseRxHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();

        if (!Enum.IsDefined(options.Role))
        {
            errors.Add(Invalid(nameof(options.Role), options.Role, "one of all, api, stream"));
        }

        if (!Enum.IsDefined(options.Store))
        {
            errors.Add(Invalid(nameof(options.Store), options.Store, "one of memory, dynamodb"));
        }

        RequirePositive(errors, nameof(options.PollInterval), options.PollInterval);
        RequirePositive(errors, nameof(options.HeartbeatInterval), options.HeartbeatInterval);
        if (!Enum.IsDefined(options.HeartbeatMode))
        {
            errors.Add(Invalid(nameof(options.HeartbeatMode), options.HeartbeatMode, "one of Periodic, WhenIdle"));
        }
        RequirePositive(errors, nameof(options.MaxStreamLifetime), options.MaxStreamLifetime);
        RequirePositive(errors, nameof(options.RetryInterval), options.RetryInterval);
        if (options.RetryInterval > MaxRetryInterval)
        {
            errors.Add(Invalid(nameof(options.RetryInterval), options.RetryInterval, "at most 01:00:00"));
        }

        if (options.RetryJitter < TimeSpan.Zero || options.RetryInterval + options.RetryJitter > MaxRetryInterval)
        {
            errors.Add(Invalid(nameof(options.RetryJitter), options.RetryJitter, "00:00:00 or more, and at most 01:00:00 with RetryInterval"));
        }

        if (double.IsNaN(options.MaxStreamLifetimeJitter) || options.MaxStreamLifetimeJitter is < 0 or > 0.5)
        {
            errors.Add(Invalid(nameof(options.MaxStreamLifetimeJitter), options.MaxStreamLifetimeJitter, "a fraction from 0 to 0.5"));
        }

        RequireAtLeastOne(errors, nameof(options.MaxConnections), options.MaxConnections);
        if (options.MaxConnectionsPerClient is { } perClient)
        {
            RequireAtLeastOne(errors, nameof(options.MaxConnectionsPerClient), perClient);
        }

        RequireAtLeastOne(errors, nameof(options.ConsumerBufferCapacity), options.ConsumerBufferCapacity);
        if (options.ConsumerBufferMaxCapacity is { } maxCapacity && maxCapacity < options.ConsumerBufferCapacity)
        {
            errors.Add(Invalid(
                nameof(options.ConsumerBufferMaxCapacity), maxCapacity, $"at least ConsumerBufferCapacity ({options.ConsumerBufferCapacity})"));
        }

        if (options.Journal is null)
        {
            errors.Add($"{SseRxHostOptions.SectionName}:{nameof(options.Journal)} is missing.");
        }
        else
        {
            RequireAtLeastOne(errors, "Journal:Capacity", options.Journal.Capacity);
            RequirePositive(errors, "Journal:MaxAge", options.Journal.MaxAge);
            if (options.Journal.RecentItems is < 0 or > 1000)
            {
                errors.Add(Invalid("Journal:RecentItems", options.Journal.RecentItems, "from 0 to 1000"));
            }
        }

        if (options.Simulator is { } simulator &&
            (double.IsNaN(simulator.EventsPerSecond) || double.IsInfinity(simulator.EventsPerSecond) || simulator.EventsPerSecond <= 0))
        {
            errors.Add(Invalid("Simulator:EventsPerSecond", simulator.EventsPerSecond, "a finite number greater than 0"));
        }

        foreach (var origin in options.Cors?.AllowedOrigins ?? [])
        {
            if (!IsOrigin(origin))
            {
                errors.Add(Invalid("Cors:AllowedOrigins", origin, "an origin such as https://dashboard.example.com (scheme, host and optional port; no path, no wildcard)"));
            }
        }

        if (options.Dashboard is { } dashboard)
        {
            RequireBaseUrl(errors, "Dashboard:ApiBaseUrl", dashboard.ApiBaseUrl);
            RequireBaseUrl(errors, "Dashboard:SseBaseUrl", dashboard.SseBaseUrl);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Whether <paramref name="value"/> is an http(s) origin: scheme, host, optional port, nothing else.</summary>
    internal static bool IsOrigin(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) &&
        (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) &&
        uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment) &&
        string.IsNullOrEmpty(uri.UserInfo) && !value!.EndsWith('/');

    private static void RequireBaseUrl(List<string> errors, string key, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        var absolute = Uri.TryCreate(value, UriKind.Absolute, out var uri) &&
            (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && string.IsNullOrEmpty(uri.UserInfo);
        if (!absolute)
        {
            errors.Add(Invalid(key, value, "empty (same origin) or an absolute http(s) URL"));
        }
    }

    private static void RequirePositive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add(Invalid(key, value, "a positive duration such as 00:00:05"));
        }
    }

    private static void RequireAtLeastOne(List<string> errors, string key, int value)
    {
        if (value < 1)
        {
            errors.Add(Invalid(key, value, "at least 1"));
        }
    }

    private static string Invalid(string key, object? value, string allowed) =>
        string.Create(CultureInfo.InvariantCulture, $"{SseRxHostOptions.SectionName}:{key} is '{value}'; it must be {allowed}.");
}
