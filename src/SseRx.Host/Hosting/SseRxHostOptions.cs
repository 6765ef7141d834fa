namespace SseRx.Host.Hosting;

/// <summary>Which endpoints a process serves. One build runs as either Lambda function or as both.</summary>
internal enum SseRxRole
{
    /// <summary>REST, dashboard and SSE endpoints (the local default).</summary>
    All,

    /// <summary>REST and dashboard only (the buffered Lambda function).</summary>
    Api,

    /// <summary>SSE endpoints only, plus <c>/health</c> and <c>/config.js</c> (the response-streaming Lambda function).</summary>
    Stream,
}

/// <summary>Where items and configurations are stored.</summary>
internal enum SseRxStoreKind
{
    /// <summary>In-process stores, with the simulator feeding items (no AWS).</summary>
    Memory,

    /// <summary>DynamoDB tables.</summary>
    DynamoDb,
}

/// <summary>
/// The host's settings, bound from the <c>SseRx</c> configuration section (environment form <c>SseRx__Name</c>)
/// and validated at start-up by <see cref="SseRxHostOptionsValidator"/>. Durations are <see cref="TimeSpan"/>s
/// (<c>hh:mm:ss[.fff]</c>). Read once at start-up; not reloaded.
/// </summary>
internal sealed class SseRxHostOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "SseRx";

    /// <summary>Which endpoints this process serves. Default <see cref="SseRxRole.All"/>.</summary>
    public SseRxRole Role { get; set; } = SseRxRole.All;

    /// <summary>Where items and configurations are stored. Default <see cref="SseRxStoreKind.Memory"/>.</summary>
    public SseRxStoreKind Store { get; set; } = SseRxStoreKind.Memory;

    /// <summary>How often the shared feed polls the store. Default 5 seconds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a stream gets a heartbeat (with the connection count the dashboard shows). Default 30 seconds.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Heartbeats every interval (<see cref="HeartbeatMode.Periodic"/>, the default) or only after an interval of silence.</summary>
    public HeartbeatMode HeartbeatMode { get; set; } = HeartbeatMode.Periodic;

    /// <summary>The most concurrent streams in the process. Default 100.</summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary>
    /// The most concurrent streams per client (see <see cref="ClientKey"/>: the user id, else the remote address, an
    /// IPv6 client by its /64), so one client cannot take every slot; a client over it gets 429 with
    /// <c>Retry-After</c>. Default 10. Set it to an empty value for no per-client cap. Behind a proxy, see
    /// <see cref="ClientKey"/> on forwarded addresses; behind a large NAT, raise it.
    /// </summary>
    public int? MaxConnectionsPerClient { get; set; } = 10;

    /// <summary>A stream ends cleanly after this long, so the client resumes before a platform limit. Default 14:30 minutes.</summary>
    public TimeSpan MaxStreamLifetime { get; set; } = new(0, 14, 30);

    /// <summary>
    /// How much shorter than <see cref="MaxStreamLifetime"/> a stream may be, as a fraction of it: each stream's lifetime is
    /// drawn from [lifetime × (1 − jitter), lifetime], so streams opened together do not rotate together. Default 0.1
    /// (a 14:30 lifetime becomes 13:03 to 14:30); 0 turns it off; at most 0.5.
    /// </summary>
    public double MaxStreamLifetimeJitter { get; set; } = 0.1;

    /// <summary>
    /// The least a client is asked to wait before it reconnects: the <c>retry:</c> on a stream's first event and the
    /// <c>Retry-After</c> of a refusal, each plus its <see cref="RetryJitter"/>. Default 3 seconds.
    /// </summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The most added to <see cref="RetryInterval"/>, drawn for each connection (and each refusal), so clients cut at the
    /// same moment do not all come back at the same moment. Default 2 seconds (3 to 5 s in all with the defaults); 0 turns it off.
    /// </summary>
    public TimeSpan RetryJitter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Events a client that is not reading may fall behind before it is dropped. Default 1,024.</summary>
    public int ConsumerBufferCapacity { get; set; } = 1024;

    /// <summary>
    /// Events a client may fall behind while the server, not the client, is the slow one (its writer has not had the
    /// CPU to write): the memory bound of one connection's backlog. At least <see cref="ConsumerBufferCapacity"/>.
    /// Default (unset): 4 times <see cref="ConsumerBufferCapacity"/>, 4,096 with the defaults.
    /// </summary>
    public int? ConsumerBufferMaxCapacity { get; set; }

    /// <summary>
    /// Whether Kestrel's socket transport runs its continuations inline (<c>SocketTransportOptions.UnsafePreferInlineScheduling</c>)
    /// instead of handing each one to an I/O queue. Default <see langword="true"/>: a stream's flush then sends on the
    /// thread that flushed, so its 4 KiB pipe block goes back to the pool at once instead of waiting, with thousands of
    /// others, for a queued send (measured: 4.4-5.5 KiB less per stream at 5,000 streams and 10 events/s, at the same CPU).
    /// On Linux the runtime hands socket completions to the thread pool (unless
    /// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>, which this host does not set), so no request code runs on
    /// the epoll thread; the host's handlers never block. Set it to <see langword="false"/> for Kestrel's default.
    /// </summary>
    public bool InlineSocketScheduling { get; set; } = true;

    /// <summary>The replay journal's bounds.</summary>
    public JournalSettings Journal { get; set; } = new();

    /// <summary>The simulator that feeds the in-memory store.</summary>
    public SimulatorSettings Simulator { get; set; } = new();

    /// <summary>Cross-origin access to the stream and api endpoints.</summary>
    public CorsSettings Cors { get; set; } = new();

    /// <summary>What the dashboard page is told through <c>/config.js</c>.</summary>
    public DashboardSettings Dashboard { get; set; } = new();

    /// <summary>Whether this process serves the REST API and the dashboard.</summary>
    public bool ServesApi => Role is SseRxRole.All or SseRxRole.Api;

    /// <summary>Whether this process serves the SSE endpoints.</summary>
    public bool ServesStreams => Role is SseRxRole.All or SseRxRole.Stream;
}

/// <summary>The <c>SseRx:Journal</c> settings.</summary>
internal sealed class JournalSettings
{
    /// <summary>The most events kept for replay. Default 100.</summary>
    public int Capacity { get; set; } = 100;

    /// <summary>How long an event is kept for replay. Default 5 minutes.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many of the most recent items a new connection gets at once, with the current state. Default 20; 0 for none.</summary>
    public int RecentItems { get; set; } = 20;
}

/// <summary>The <c>SseRx:Simulator</c> settings (memory store only).</summary>
internal sealed class SimulatorSettings
{
    /// <summary>Whether the simulator feeds the in-memory store. Default <see langword="true"/>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Items generated per second. Default 1.</summary>
    public double EventsPerSecond { get; set; } = 1;

    /// <summary>The random seed. Default 42.</summary>
    public int Seed { get; set; } = 42;
}

/// <summary>The <c>SseRx:Cors</c> settings.</summary>
internal sealed class CorsSettings
{
    /// <summary>Origins (<c>scheme://host[:port]</c>) allowed to call the stream and api endpoints. Default none.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>The <c>SseRx:Dashboard</c> settings.</summary>
internal sealed class DashboardSettings
{
    /// <summary>Where the page sends REST calls; empty for the page's own origin. Default empty.</summary>
    public string ApiBaseUrl { get; set; } = string.Empty;

    /// <summary>Where the page opens streams; empty for the page's own origin. Default empty.</summary>
    public string SseBaseUrl { get; set; } = string.Empty;
}
