using System.Diagnostics;
using System.Globalization;

namespace SseRx.Host.Observability;

/// <summary>
/// Reads the parent of a request's spans from its headers: the X-Ray header <c>X-Amzn-Trace-Id</c> (set by Lambda and
/// passed on by the Lambda Web Adapter), else a W3C <c>traceparent</c>.
/// </summary>
/// <remarks>Stateless and thread-safe.</remarks>
internal static class TraceParents
{
    /// <summary>The X-Ray trace header.</summary>
    public const string AmazonTraceIdHeader = "X-Amzn-Trace-Id";

    /// <summary>The W3C trace-context header.</summary>
    public const string TraceParentHeader = "traceparent";

    /// <summary>The W3C trace-state header.</summary>
    public const string TraceStateHeader = "tracestate";

    private const int EpochHexDigits = 8;
    private const int UniqueHexDigits = 24;
    private const int SpanHexDigits = 16;

    /// <summary>
    /// The remote parent named by the request's headers, or <see langword="default"/> when none is usable (the span
    /// then starts a trace).
    /// </summary>
    public static ActivityContext FromHeaders(IHeaderDictionary headers)
    {
        if (TryParseAmazonTraceId(headers[AmazonTraceIdHeader].ToString(), out var parent))
        {
            return parent;
        }

        var traceParent = headers[TraceParentHeader].ToString();
        if (traceParent.Length > 0 &&
            ActivityContext.TryParse(traceParent, headers[TraceStateHeader].ToString(), isRemote: true, out parent))
        {
            return parent;
        }

        return default;
    }

    /// <summary>
    /// Parses <c>Root=1-{8 hex epoch seconds}-{24 hex};Parent={16 hex};Sampled={0|1}</c> (fields in any order,
    /// separated by <c>;</c>, others such as <c>Lineage</c> or <c>Self</c> ignored) into a remote parent: the trace id is
    /// the Root's 32 hex digits, the parent span id is Parent, and the trace is recorded unless <c>Sampled=0</c>
    /// (<c>Sampled=?</c> or no flag leaves the decision here, which records). Without a valid Root and Parent (an
    /// Application Load Balancer's header has no Parent) it returns <see langword="false"/>.
    /// </summary>
    public static bool TryParseAmazonTraceId(ReadOnlySpan<char> header, out ActivityContext parent)
    {
        parent = default;
        ReadOnlySpan<char> root = default;
        ReadOnlySpan<char> parentId = default;
        var sampled = true;
        foreach (var range in header.Split(';'))
        {
            var field = header[range].Trim();
            var equals = field.IndexOf('=');
            if (equals <= 0)
            {
                continue;
            }

            var name = field[..equals].Trim();
            var value = field[(equals + 1)..].Trim();
            if (name.Equals("Root", StringComparison.OrdinalIgnoreCase))
            {
                root = value;
            }
            else if (name.Equals("Parent", StringComparison.OrdinalIgnoreCase))
            {
                parentId = value;
            }
            else if (name.Equals("Sampled", StringComparison.OrdinalIgnoreCase))
            {
                sampled = !value.SequenceEqual("0");
            }
        }

        // Root is "1-" + 8 hex + "-" + 24 hex.
        if (root.Length != 2 + EpochHexDigits + 1 + UniqueHexDigits || !root.StartsWith("1-") || root[2 + EpochHexDigits] != '-' ||
            parentId.Length != SpanHexDigits || !IsLowerOrUpperHex(parentId))
        {
            return false;
        }

        Span<char> traceHex = stackalloc char[EpochHexDigits + UniqueHexDigits];
        root.Slice(2, EpochHexDigits).CopyTo(traceHex);
        root.Slice(2 + EpochHexDigits + 1, UniqueHexDigits).CopyTo(traceHex[EpochHexDigits..]);
        if (!IsLowerOrUpperHex(traceHex))
        {
            return false;
        }

        // ActivityTraceId/ActivitySpanId want lowercase; X-Ray ids are lowercase already, but be lenient.
        ToLower(traceHex);
        Span<char> spanHex = stackalloc char[SpanHexDigits];
        parentId.CopyTo(spanHex);
        ToLower(spanHex);

        // All-zero ids are invalid in both X-Ray and W3C (and the factories below refuse them).
        if (!traceHex.ContainsAnyExcept('0') || !spanHex.ContainsAnyExcept('0'))
        {
            return false;
        }

        var traceId = ActivityTraceId.CreateFromString(traceHex);
        var spanId = ActivitySpanId.CreateFromString(spanHex);
        parent = new ActivityContext(traceId, spanId, sampled ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, traceState: null, isRemote: true);
        return true;
    }

    /// <summary>The X-Ray form of a trace id: <c>1-{first 8 hex}-{last 24 hex}</c>.</summary>
    public static string ToAmazonTraceId(ActivityTraceId traceId)
    {
        var hex = traceId.ToHexString();
        return string.Create(CultureInfo.InvariantCulture, $"1-{hex.AsSpan(0, EpochHexDigits)}-{hex.AsSpan(EpochHexDigits)}");
    }

    private static bool IsLowerOrUpperHex(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static void ToLower(Span<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            value[i] = char.ToLowerInvariant(value[i]);
        }
    }
}
