namespace SseRx.Host.Sentiment;

/// <summary>Ticker symbol rules shared by the stores, the REST API and the filters.</summary>
public static class Tickers
{
    /// <summary>The longest ticker symbol accepted, in characters.</summary>
    public const int MaxLength = 10;

    /// <summary>A human-readable description of the accepted format, used in validation errors.</summary>
    public const string FormatDescription =
        "must be 1 to 10 characters: an upper-case letter, then upper-case letters, digits, '.' or '-'";

    /// <summary>
    /// Whether <paramref name="ticker"/> is a valid symbol: 1 to 10 characters, starting with an upper-case
    /// ASCII letter, followed by upper-case ASCII letters, digits, <c>.</c> or <c>-</c> (e.g. <c>AAPL</c>, <c>BRK.B</c>).
    /// </summary>
    public static bool IsValid(string? ticker)
    {
        if (string.IsNullOrEmpty(ticker) || ticker.Length > MaxLength || !char.IsAsciiLetterUpper(ticker[0]))
        {
            return false;
        }

        foreach (var c in ticker)
        {
            if (!(char.IsAsciiLetterUpper(c) || char.IsAsciiDigit(c) || c is '.' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
