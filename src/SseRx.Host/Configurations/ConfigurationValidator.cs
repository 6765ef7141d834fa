using System.Globalization;
using SseRx.Host.Sentiment;

namespace SseRx.Host.Configurations;

/// <summary>The rules a configuration body must meet, with one error message per offending field.</summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>name</c>: required; 1 to <see cref="MaxNameLength"/> characters (UTF-16 code units); not blank; no control characters.</item>
/// <item><c>tickers</c>: required; 1 to <see cref="MaxTickers"/> entries; each one <see cref="Tickers.IsValid"/>
/// (reported as <c>tickers[i]</c>); duplicates are REJECTED (reported at the later index), not silently removed, so what
/// the client sent is exactly what is stored.</item>
/// </list>
/// </remarks>
internal static class ConfigurationValidator
{
    /// <summary>The longest accepted name, in UTF-16 code units.</summary>
    public const int MaxNameLength = 100;

    /// <summary>
    /// The most tickers one configuration may hold. A fixed limit rather than a setting: it bounds the work of every
    /// configuration stream's filter and the size of every stored item.
    /// </summary>
    public const int MaxTickers = 50;

    /// <summary>
    /// Checks <paramref name="request"/>: the accepted input, or <see langword="null"/> with
    /// <paramref name="errors"/> keyed by field (<c>name</c>, <c>tickers</c>, <c>tickers[3]</c>).
    /// </summary>
    public static ConfigurationInput? Validate(ConfigurationRequest request, out Dictionary<string, string[]> errors)
    {
        errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = request.Name;
        if (name is null)
        {
            errors["name"] = ["is required."];
        }
        else if (string.IsNullOrWhiteSpace(name))
        {
            errors["name"] = ["must not be blank."];
        }
        else if (name.Length > MaxNameLength)
        {
            errors["name"] = [$"must be at most {MaxNameLength} characters (got {name.Length})."];
        }
        else if (name.AsSpan().ContainsAnyInRange('\0', '\u001f') || name.Contains('\u007f', StringComparison.Ordinal))
        {
            errors["name"] = ["must not contain control characters."];
        }

        var tickers = request.Tickers;
        if (tickers is null)
        {
            errors["tickers"] = ["is required."];
        }
        else if (tickers.Count == 0)
        {
            errors["tickers"] = ["must contain at least one ticker."];
        }
        else if (tickers.Count > MaxTickers)
        {
            // Per-entry checks are skipped: 10,000 entries must not produce 10,000 messages.
            errors["tickers"] = [$"must contain at most {MaxTickers} tickers (got {tickers.Count})."];
        }
        else
        {
            ValidateEntries(tickers, errors);
        }

        return errors.Count == 0 ? new ConfigurationInput(name!, [.. tickers!.Select(t => t!)]) : null;
    }

    private static void ValidateEntries(IReadOnlyList<string?> tickers, Dictionary<string, string[]> errors)
    {
        var firstIndex = new Dictionary<string, int>(tickers.Count, StringComparer.Ordinal);
        for (var i = 0; i < tickers.Count; i++)
        {
            var ticker = tickers[i];
            var key = string.Create(CultureInfo.InvariantCulture, $"tickers[{i}]");
            if (!Tickers.IsValid(ticker))
            {
                // The value is not echoed: it is unbounded client input; the index is enough to find it.
                errors[key] = [$"is not a valid ticker: {Tickers.FormatDescription}."];
            }
            else if (!firstIndex.TryAdd(ticker!, i))
            {
                errors[key] = [string.Create(CultureInfo.InvariantCulture, $"duplicates tickers[{firstIndex[ticker!]}] (\"{ticker}\"); each ticker may appear once.")];
            }
        }
    }
}
