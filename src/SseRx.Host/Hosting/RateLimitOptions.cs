namespace SseRx.Host.Hosting;

/// <summary>
/// The connection rate limit on the stream endpoints: settings section <c>SseRx:RateLimit</c> (environment form
/// <c>SseRx__RateLimit__...</c>). Each client (see <see cref="ClientKey"/>) may open at most
/// <see cref="PermitsPerWindow"/> streams per fixed <see cref="Window"/>; further attempts in that window are answered
/// <c>429 Too Many Requests</c> with <c>Retry-After</c> and problem details, before any stream work is done.
/// </summary>
/// <remarks>
/// The defaults (20 per 10 seconds) leave room for reloads and reconnect storms of a real dashboard, while a client
/// that reconnects in a loop is held to two attempts a second. This limits how often a client may connect; how many
/// streams it may hold open at once is <see cref="SseRxHostOptions.MaxConnectionsPerClient"/>. Counted per process.
/// Validated at start-up by <see cref="RateLimitOptionsValidator"/>; read once.
/// </remarks>
internal sealed class RateLimitOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "SseRx:RateLimit";

    /// <summary>Whether stream connections are rate limited. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Stream connections one client may open per <see cref="Window"/>. Default 20; at least 1.</summary>
    public int PermitsPerWindow { get; set; } = 20;

    /// <summary>
    /// The length of the fixed window the permits are counted in. Default 10 seconds; at most 1 hour. A refused
    /// client is told to retry after at most this long.
    /// </summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromSeconds(10);
}
