using Microsoft.AspNetCore.Http;

namespace SseRx.AspNetCore;

/// <summary>
/// How an SSE endpoint streams: heartbeats, lifetime, reconnection hints, the slow-consumer buffer, how clients are told
/// apart. The defaults come from <see cref="SseRxOptions.Stream"/>; an endpoint may pass its own.
/// </summary>
/// <remarks>Read once per stream; do not change an instance that endpoints are using.</remarks>
public sealed class SseStreamOptions
{
    /// <summary>How often a stream sends a heartbeat (also one at connect). Default 30 seconds.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether heartbeats come every <see cref="HeartbeatInterval"/> however busy the stream (so the values they carry,
    /// such as the connection count, stay fresh), or only after that long with nothing sent. Default
    /// <see cref="HeartbeatMode.Periodic"/>.
    /// </summary>
    public HeartbeatMode HeartbeatMode { get; set; } = HeartbeatMode.Periodic;

    /// <summary>
    /// How long a stream lasts before it ends cleanly and the client resumes (so streams rebalance, and end before a
    /// Lambda's limit); <see langword="null"/> for no limit. Default <see langword="null"/>.
    /// </summary>
    public TimeSpan? MaxLifetime { get; set; }

    /// <summary>
    /// The shortest reconnection delay: sent as <c>retry:</c> on a stream's first event, and as <c>Retry-After</c> on a
    /// refusal (rounded up to whole seconds), each plus its own share of <see cref="RetryJitter"/>. Default 3 seconds.
    /// </summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The most added to <see cref="RetryInterval"/>, drawn per connection and per refusal, so clients cut off together
    /// (a deploy, a crash, a proxy restart) do not all come back in the same instant. Only ever added: no client is asked
    /// to return sooner than <see cref="RetryInterval"/>. Default 2 seconds; zero for an exact delay.
    /// </summary>
    public TimeSpan RetryJitter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most a stream's <see cref="MaxLifetime"/> is shortened by, as a fraction drawn per stream, so streams opened
    /// together do not all end together one lifetime later. Only ever shortens (the lifetime stays below a platform's
    /// limit). Default 0.1; from 0 to 0.5.
    /// </summary>
    public double MaxLifetimeJitter { get; set; } = 0.1;

    /// <summary>The per-connection buffer and its slow-consumer policy. Default: 1,024 events, then the client is dropped.</summary>
    public ConsumerBufferOptions Buffer { get; set; } = new();

    /// <summary>
    /// The key per-client limits count by (<see cref="SseRxOptions.MaxConnectionsPerClient"/>), for example the user id;
    /// <see langword="null"/> exempts the request. Default: the remote address.
    /// </summary>
    public Func<HttpContext, string?> ClientKey { get; set; } = static context => context.Connection.RemoteIpAddress?.ToString();

    /// <summary>Makes a heartbeat. Default: <see cref="SseEvents.Heartbeat"/> (the time and the number of open streams).</summary>
    public Func<SseHeartbeatContext, SseEvent> Heartbeat { get; set; } =
        static beat => SseEvents.Heartbeat(beat.ResumePoint, beat.Now, beat.Connections, beat.ReconnectionInterval);

    /// <summary>The most events written before a flush, so a client that is behind still gets bytes on the wire steadily. Default 64.</summary>
    public int MaxEventsPerFlush { get; set; } = 64;

    /// <summary>Throws when a value is out of range; the message names it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A duration or a count is out of range.</exception>
    /// <exception cref="ArgumentNullException">A required value is missing.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HeartbeatInterval, TimeSpan.Zero, nameof(HeartbeatInterval));
        if (HeartbeatMode is not (HeartbeatMode.Periodic or HeartbeatMode.WhenIdle))
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatMode), HeartbeatMode, "Not a HeartbeatMode.");
        }
        if (MaxLifetime is { } lifetime)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lifetime, TimeSpan.Zero, nameof(MaxLifetime));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(RetryInterval, TimeSpan.Zero, nameof(RetryInterval));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RetryInterval, TimeSpan.FromHours(1), nameof(RetryInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(RetryJitter, TimeSpan.Zero, nameof(RetryJitter));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(RetryInterval + RetryJitter, TimeSpan.FromHours(1), nameof(RetryJitter));
        if (double.IsNaN(MaxLifetimeJitter) || MaxLifetimeJitter is < 0 or > 0.5)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLifetimeJitter), MaxLifetimeJitter, "A fraction from 0 to 0.5.");
        }
        ArgumentNullException.ThrowIfNull(Buffer, nameof(Buffer));
        Buffer.Validate();
        ArgumentNullException.ThrowIfNull(ClientKey, nameof(ClientKey));
        ArgumentNullException.ThrowIfNull(Heartbeat, nameof(Heartbeat));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEventsPerFlush, 1, nameof(MaxEventsPerFlush));
    }
}

/// <summary>What a heartbeat is made from (see <see cref="SseStreamOptions.Heartbeat"/>).</summary>
/// <param name="ResumePoint">
/// The stream's last id (or the cursor it started from): the heartbeat's id, so it is a valid cursor.
/// <see cref="SseEventId.Initial"/> for a new client that has not been sent an event yet.
/// </param>
/// <param name="Now">The server's time.</param>
/// <param name="Connections">Open streams in this process.</param>
/// <param name="ReconnectionInterval">Set on a response's first event only: the <c>retry:</c> to send.</param>
public readonly record struct SseHeartbeatContext(SseEventId ResumePoint, DateTimeOffset Now, int Connections, TimeSpan? ReconnectionInterval);

/// <summary>Options for <see cref="SseRxServiceCollectionExtensions.AddSseRx"/>: the process-wide admission limits and the stream defaults.</summary>
public sealed class SseRxOptions
{
    /// <summary>Streams open at once in this process; beyond it, <c>503</c> with <c>Retry-After</c>. Default 100.</summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary>
    /// Streams open at once per client (<see cref="SseStreamOptions.ClientKey"/>); beyond it, <c>429</c> with
    /// <c>Retry-After</c>. <see langword="null"/> for no per-client limit. Default 10.
    /// </summary>
    public int? MaxConnectionsPerClient { get; set; } = 10;

    /// <summary>The defaults of every stream endpoint that does not pass its own options.</summary>
    public SseStreamOptions Stream { get; set; } = new();

    /// <summary>Throws when a value is out of range; the message names it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is less than 1.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        if (MaxConnectionsPerClient is { } perClient)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(perClient, 1, nameof(MaxConnectionsPerClient));
        }

        ArgumentNullException.ThrowIfNull(Stream, nameof(Stream));
        Stream.Validate();
    }
}

/// <summary>Draws the jitter of <see cref="SseStreamOptions.RetryJitter"/> and <see cref="SseStreamOptions.MaxLifetimeJitter"/>.</summary>
internal static class StreamJitter
{
    /// <summary>One connection's reconnection delay: the interval plus a uniform share of the jitter, in whole milliseconds (what <c>retry:</c> carries).</summary>
    public static TimeSpan Retry(SseStreamOptions options, Func<double>? random = null) =>
        TimeSpan.FromMilliseconds(Math.Floor((options.RetryInterval + (options.RetryJitter * Draw(random))).TotalMilliseconds));

    /// <summary>A refusal's <c>Retry-After</c>: a <see cref="Retry"/> delay rounded up to whole seconds, at least 1.</summary>
    public static int RetryAfterSeconds(SseStreamOptions options, Func<double>? random = null) =>
        Math.Max(1, (int)Math.Ceiling(Retry(options, random).TotalSeconds));

    /// <summary>One stream's lifetime: the maximum shortened by a uniform share of the jitter fraction.</summary>
    public static TimeSpan Lifetime(TimeSpan maxLifetime, SseStreamOptions options, Func<double>? random = null) =>
        maxLifetime * (1 - (options.MaxLifetimeJitter * Draw(random)));

    private static double Draw(Func<double>? random) => random?.Invoke() ?? Random.Shared.NextDouble();
}
