namespace SseRx;

/// <summary>The <c>reason</c> of a <c>resync</c> event.</summary>
public static class ResyncReasons
{
    /// <summary>The <c>Last-Event-ID</c> is not an SseRx event id.</summary>
    public const string Malformed = "malformed";

    /// <summary>The id is valid but can be neither found nor replayed from history.</summary>
    public const string Unknown = "unknown";

    /// <summary>The id is older than anything that may be replayed.</summary>
    public const string TooOld = "too_old";
}
