using System.Text.Json.Serialization;

namespace SseRx.LoadClient;

/// <summary>What one load run measured; printed as a table and as one JSON line.</summary>
/// <remarks>
/// Spread values are milliseconds: for each event id, the time from the first stream receiving it to every other
/// stream receiving it, measured on this process's monotonic clock. RSS values are bytes of the server process
/// (VmRSS); <see cref="RssPerStreamKb"/> is (RSS after warmup - RSS before connecting) / streams held (opened + pending), in KiB.
/// </remarks>
internal sealed record LoadResult
{
    public required string Label { get; init; }

    public required string Url { get; init; }

    public required int Streams { get; init; }

    /// <summary>Streams that got a 200 response head.</summary>
    public required int Opened { get; init; }

    /// <summary>Streams connected (request sent, not refused) whose response head had not arrived when measuring began.</summary>
    public required int Pending { get; init; }

    public required int Refused { get; init; }

    /// <summary>Streams still open when the measurement began (held minus those the server or the network ended).</summary>
    public required int AliveWhenMeasuring { get; init; }

    public required Dictionary<string, int> RefusedByStatus { get; init; }

    public required int Failed { get; init; }

    public string? FirstFailure { get; init; }

    public required int Lost { get; init; }

    public required int EndedByServer { get; init; }

    public required double RampSeconds { get; init; }

    public required double MeasureSeconds { get; init; }

    public required long Deliveries { get; init; }

    public required double DeliveriesPerSecond { get; init; }

    public required double NewItemsPerSecond { get; init; }

    public required double HeartbeatsPerSecond { get; init; }

    public required double MegabytesPerSecond { get; init; }

    /// <summary>Distinct event ids first seen while measuring, per second (any stream; heartbeats excluded).</summary>
    public required double DistinctIdsPerSecond { get; init; }

    /// <summary>Of those, <c>metrics</c> ids: one per poll that changed the aggregates, if the poller is shared.</summary>
    public required double DistinctMetricsIdsPerSecond { get; init; }

    /// <summary>Store reads per second by the server while measuring (its <c>/health</c> <c>poll.fetches</c>), if it reports them.</summary>
    public double? StoreFetchesPerSecond { get; init; }

    public required long SpreadSamples { get; init; }

    public required long SpreadUntracked { get; init; }

    public required double SpreadP50Ms { get; init; }

    public required double SpreadP99Ms { get; init; }

    public required double SpreadMaxMs { get; init; }

    public int? ServerPid { get; init; }

    public long? ServerRssBeforeBytes { get; init; }

    public long? ServerRssOpenBytes { get; init; }

    public long? ServerRssSteadyBytes { get; init; }

    public long? ServerRssEndBytes { get; init; }

    public double? RssPerStreamKb { get; init; }

    public long? ServerThreads { get; init; }

    public double? ServerCpuCores { get; init; }

    public required double ClientCpuCores { get; init; }

    /// <summary>CPU cores busy on the whole machine while measuring: server, client and anything else running.</summary>
    public required double MachineCpuCores { get; init; }

    /// <summary>The one-minute load average at the end of the measurement; above the core count means contention.</summary>
    public required double LoadAverage { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = false)]
[JsonSerializable(typeof(LoadResult))]
[JsonSerializable(typeof(StartupResult))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;
