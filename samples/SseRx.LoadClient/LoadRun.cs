using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace SseRx.LoadClient;

/// <summary>
/// One bounded run: ramp up N streams, wait, measure for a fixed time, close everything, report.
/// Holds the counters the streams report into.
/// </summary>
internal sealed class LoadRun
{
    private const int RefusalStatusSlots = 600;

    private readonly LoadOptions _options;
    private readonly LoopbackTarget _target;
    private readonly SpreadTable _spread = new(capacityPowerOfTwo: 17);
    private readonly int[] _refusedByStatus = new int[RefusalStatusSlots];
    private int _connected;
    private int _opened;
    private int _refused;
    private int _failed;
    private int _lost;
    private int _endedByServer;
    private string? _firstFailure;
    private long _distinctIds;
    private long _distinctMetricsIds;
    private long _measureStart = long.MaxValue;
    private volatile bool _recording;
    private volatile bool _stopping;

    public LoadRun(LoadOptions options, LoopbackTarget target)
    {
        _options = options;
        _target = target;
    }

    public bool IsStopping => _stopping;

    private int Answered => Volatile.Read(ref _opened) + Volatile.Read(ref _refused);

    /// <summary>TCP connected and the request sent; the response head may come later (or, for some servers, only with the first event).</summary>
    public void OnConnected() => Interlocked.Increment(ref _connected);

    public void OnOpened() => Interlocked.Increment(ref _opened);

    public void OnRefused(int status)
    {
        Interlocked.Increment(ref _refused);
        Interlocked.Increment(ref _refusedByStatus[Math.Clamp(status, 0, RefusalStatusSlots - 1)]);
    }

    public void OnConnectFailed(Exception error)
    {
        Interlocked.CompareExchange(ref _firstFailure, $"{error.GetType().Name}: {error.Message}", null);
        Interlocked.Increment(ref _failed);
    }

    public void OnStreamLost() => Interlocked.Increment(ref _lost);

    public void OnServerEnded() => Interlocked.Increment(ref _endedByServer);

    /// <summary>Called by a stream for each non-heartbeat event with an id, on the thread that read it.</summary>
    public void OnDelivered(ulong idHash, long timestamp, SseStream.EventKind kind)
    {
        if (!_spread.TryRecord(idHash, timestamp, out var firstSeen))
        {
            if (_recording && firstSeen != 0)
            {
                // A new id seen for the first time by any stream: count distinct events on the wire. With one shared
                // poller every changed poll yields exactly one metrics id, whatever the number of streams.
                Interlocked.Increment(ref _distinctIds);
                if (kind == SseStream.EventKind.Metrics)
                {
                    Interlocked.Increment(ref _distinctMetricsIds);
                }
            }

            return;
        }

        if (!_recording || firstSeen < _measureStart)
        {
            return;
        }

        LatencyHistogram.ForCurrentThread().Record((timestamp - firstSeen) * 1_000_000 / Stopwatch.Frequency);
    }

    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        var pid = _options.ServerPid;
        var rssBefore = pid is { } p0 ? ProcStats.ReadRss(p0) : null;
        var streams = new SseStream[_options.Streams];
        var tasks = new Task[_options.Streams];
        var salt = Random.Shared.Next(1, 251);
        var connectTimeout = TimeSpan.FromSeconds(_options.ConnectTimeoutSeconds);

        Console.Error.WriteLine(
            $"[{_options.Label}] opening {_options.Streams:N0} streams to {_target.Url} at {_options.Ramp:N0}/s " +
            $"from 127.{salt}.x.y ({_options.PerSource} per address)");
        var rampStarted = Stopwatch.GetTimestamp();
        var lastProgress = rampStarted;
        for (var i = 0; i < streams.Length && !cancellationToken.IsCancellationRequested; i++)
        {
            var due = rampStarted + (long)(i / _options.Ramp * Stopwatch.Frequency);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(2))
            {
                await DelayUnlessCancelled(wait, cancellationToken).ConfigureAwait(false);
            }

            var stream = new SseStream(this);
            streams[i] = stream;
            tasks[i] = stream.RunAsync(_target.SourceFor(i, _options.PerSource, salt), _target, connectTimeout);
            if (Stopwatch.GetElapsedTime(lastProgress) > TimeSpan.FromSeconds(2))
            {
                lastProgress = Stopwatch.GetTimestamp();
                PrintProgress(i + 1);
            }
        }

        // Every attempt ends connected or failed; the connect timeout bounds the wait. Then give the connected streams a
        // few seconds to get their response head: a server may hold the head back until its first event (the stock
        // TypedResults.ServerSentEvents does), and such streams are reported as pending, not as opened.
        var settleDeadline = Stopwatch.GetTimestamp() + (long)((_options.ConnectTimeoutSeconds + 5) * Stopwatch.Frequency);
        while (Volatile.Read(ref _connected) + Volatile.Read(ref _failed) < _options.Streams &&
               Stopwatch.GetTimestamp() < settleDeadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }

        var headDeadline = Stopwatch.GetTimestamp() + (3 * Stopwatch.Frequency);
        while (Answered < Volatile.Read(ref _connected) && Stopwatch.GetTimestamp() < headDeadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
        }

        var rampSeconds = Stopwatch.GetElapsedTime(rampStarted).TotalSeconds;
        PrintProgress(_options.Streams);
        var rssOpen = pid is { } p1 ? ProcStats.ReadRss(p1) : null;
        if (_options.OpenMarkerFile is { } marker)
        {
            await File.WriteAllTextAsync(marker, "open", CancellationToken.None).ConfigureAwait(false);
        }

        await DelayUnlessCancelled(TimeSpan.FromSeconds(_options.WarmupSeconds), cancellationToken).ConfigureAwait(false);
        var rssSteady = pid is { } p2 ? ProcStats.ReadRss(p2) : null;

        // Measure.
        var (deliveries0, items0, beats0, bytes0) = Sum(streams);
        var serverCpu0 = pid is { } p3 ? ProcStats.ReadCpuSeconds(p3) : null;
        var clientCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var machine0 = ProcStats.ReadMachineCpuTicks();
        var fetches0 = await ServerFetchesAsync(cancellationToken).ConfigureAwait(false);
        var lostBefore = Volatile.Read(ref _lost) + Volatile.Read(ref _endedByServer);
        var aliveAtStart = Volatile.Read(ref _connected) - Volatile.Read(ref _refused) - lostBefore;
        _measureStart = Stopwatch.GetTimestamp();
        _recording = true;
        Console.Error.WriteLine($"[{_options.Label}] measuring for {_options.DurationSeconds:0.#} s");
        await DelayUnlessCancelled(TimeSpan.FromSeconds(_options.DurationSeconds), cancellationToken).ConfigureAwait(false);
        _recording = false;
        var measureSeconds = Stopwatch.GetElapsedTime(_measureStart).TotalSeconds;
        var (deliveries1, items1, beats1, bytes1) = Sum(streams);
        var serverCpu1 = pid is { } p4 ? ProcStats.ReadCpuSeconds(p4) : null;
        var clientCpu1 = Process.GetCurrentProcess().TotalProcessorTime;
        var machine1 = ProcStats.ReadMachineCpuTicks();
        var fetches1 = await ServerFetchesAsync(cancellationToken).ConfigureAwait(false);
        var rssEnd = pid is { } p5 ? ProcStats.ReadRss(p5) : null;
        var threads = pid is { } p6 ? ProcStats.ReadThreads(p6) : null;

        // Stop: close every socket, then give the read loops a moment to unwind.
        _stopping = true;
        foreach (var stream in streams)
        {
            stream?.Close();
        }

        await Task.WhenAny(Task.WhenAll(tasks.Where(t => t is not null)), Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None))
            .ConfigureAwait(false);

        var spread = LatencyHistogram.MergeAll();
        var opened = Volatile.Read(ref _opened);

        // Streams the server holds: answered 200, or connected and still waiting for the head.
        var held = Volatile.Read(ref _connected) - Volatile.Read(ref _refused);
        return new LoadResult
        {
            Label = _options.Label,
            Url = _target.Url.ToString(),
            Streams = _options.Streams,
            Opened = opened,
            Pending = held - opened,
            AliveWhenMeasuring = aliveAtStart,
            Refused = Volatile.Read(ref _refused),
            RefusedByStatus = _refusedByStatus
                .Select((count, status) => (count, status))
                .Where(x => x.count > 0)
                .ToDictionary(x => x.status.ToString(CultureInfo.InvariantCulture), x => x.count),
            Failed = Volatile.Read(ref _failed),
            FirstFailure = _firstFailure,
            Lost = Volatile.Read(ref _lost) + Volatile.Read(ref _endedByServer) - lostBefore,
            EndedByServer = Volatile.Read(ref _endedByServer),
            RampSeconds = Math.Round(rampSeconds, 2),
            MeasureSeconds = Math.Round(measureSeconds, 2),
            Deliveries = deliveries1 - deliveries0,
            DeliveriesPerSecond = Math.Round((deliveries1 - deliveries0) / measureSeconds),
            NewItemsPerSecond = Math.Round((items1 - items0) / measureSeconds),
            HeartbeatsPerSecond = Math.Round((beats1 - beats0) / measureSeconds, 1),
            MegabytesPerSecond = Math.Round((bytes1 - bytes0) / measureSeconds / 1e6, 2),
            DistinctIdsPerSecond = Math.Round(Volatile.Read(ref _distinctIds) / measureSeconds, 2),
            DistinctMetricsIdsPerSecond = Math.Round(Volatile.Read(ref _distinctMetricsIds) / measureSeconds, 2),
            StoreFetchesPerSecond = fetches0 is { } f0 && fetches1 is { } f1 ? Math.Round((f1 - f0) / measureSeconds, 2) : null,
            SpreadSamples = spread.Count,
            SpreadUntracked = _spread.Untracked,
            SpreadP50Ms = spread.Percentile(0.50) / 1000.0,
            SpreadP99Ms = spread.Percentile(0.99) / 1000.0,
            SpreadMaxMs = spread.Max / 1000.0,
            ServerPid = pid,
            ServerRssBeforeBytes = rssBefore,
            ServerRssOpenBytes = rssOpen,
            ServerRssSteadyBytes = rssSteady,
            ServerRssEndBytes = rssEnd,
            RssPerStreamKb = rssBefore is { } before && rssSteady is { } steady && held > 0
                ? Math.Round((steady - before) / 1024.0 / held, 2)
                : null,
            ServerThreads = threads,
            ServerCpuCores = serverCpu0 is { } s0 && serverCpu1 is { } s1 ? Math.Round((s1 - s0) / measureSeconds, 2) : null,
            ClientCpuCores = Math.Round((clientCpu1 - clientCpu0).TotalSeconds / measureSeconds, 2),
            MachineCpuCores = Math.Round(
                (double)(machine1.Busy - machine0.Busy) / Math.Max(1, machine1.Total - machine0.Total) * Environment.ProcessorCount, 2),
            LoadAverage = ProcStats.ReadLoadAverage(),
        };
    }

    public static void Print(LoadResult r, TextWriter output)
    {
        static string Mb(long? bytes) => bytes is { } b ? (b / 1048576.0).ToString("N1", CultureInfo.InvariantCulture) + " MiB" : "n/a";
        var refusedDetail = r.RefusedByStatus.Count == 0 ? "" : " (" + string.Join(", ", r.RefusedByStatus.Select(kv => $"{kv.Key}: {kv.Value}")) + ")";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"""
            == {r.Label}: {r.Url}
              streams opened / asked     {r.Opened:N0} / {r.Streams:N0}   pending (connected, no response head) {r.Pending:N0}   refused {r.Refused:N0}{refusedDetail}   failed {r.Failed:N0}{(r.FirstFailure is null ? "" : $" (first: {r.FirstFailure})")}
              alive when measuring began {r.AliveWhenMeasuring:N0}   lost while measuring {r.Lost:N0}   (ended by server over the run: {r.EndedByServer:N0})
              ramp                       {r.RampSeconds:0.0} s     measured {r.MeasureSeconds:0.0} s
              deliveries/s               {r.DeliveriesPerSecond:N0}   (new_item/s {r.NewItemsPerSecond:N0}, heartbeats/s {r.HeartbeatsPerSecond:N1}, {r.MegabytesPerSecond:N1} MB/s)
              distinct ids/s             {r.DistinctIdsPerSecond:N2}   (metrics ids/s {r.DistinctMetricsIdsPerSecond:N2}: one per changed poll when the poller is shared)
              store fetches/s            {r.StoreFetchesPerSecond?.ToString("N2", CultureInfo.InvariantCulture) ?? "n/a (the server reports none)"}
              broadcast spread           p50 {r.SpreadP50Ms:N1} ms   p99 {r.SpreadP99Ms:N1} ms   max {r.SpreadMaxMs:N1} ms   ({r.SpreadSamples:N0} samples, {r.SpreadUntracked} ids untracked)
              server RSS                 before {Mb(r.ServerRssBeforeBytes)}   open {Mb(r.ServerRssOpenBytes)}   steady {Mb(r.ServerRssSteadyBytes)}   end {Mb(r.ServerRssEndBytes)}
              server RSS per stream      {(r.RssPerStreamKb is { } kb ? kb.ToString("N2", CultureInfo.InvariantCulture) + " KiB" : "n/a")}   threads {r.ServerThreads?.ToString(CultureInfo.InvariantCulture) ?? "n/a"}
              CPU while measuring        server {r.ServerCpuCores?.ToString("0.00", CultureInfo.InvariantCulture) ?? "n/a"} cores   client {r.ClientCpuCores:0.00} cores   whole machine {r.MachineCpuCores:0.00} of {Environment.ProcessorCount} (load average {r.LoadAverage:0.0})
            """));
    }

    public static void WriteJson(LoadResult result, TextWriter output, string? file)
    {
        var json = JsonSerializer.Serialize(result, LoadJsonContext.Default.LoadResult);
        output.WriteLine(json);
        if (file is not null)
        {
            File.AppendAllText(file, json + Environment.NewLine);
        }
    }

    /// <summary>
    /// The server's store reads so far (<c>poll.fetches</c> of its <c>/health</c>, on the stream URL's origin), or
    /// <see langword="null"/> for a server without it (the stock baseline has no store). One loopback request.
    /// </summary>
    private async Task<long?> ServerFetchesAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var health = new Uri(_target.Url, "/health");
            using var document = JsonDocument.Parse(await http.GetStringAsync(health, cancellationToken).ConfigureAwait(false));
            return document.RootElement.TryGetProperty("poll", out var poll) && poll.TryGetProperty("fetches", out var fetches)
                ? fetches.GetInt64()
                : null;
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or TaskCanceledException)
        {
            return null;
        }
    }

    private static (long Deliveries, long NewItems, long Heartbeats, long Bytes) Sum(SseStream?[] streams)
    {
        long deliveries = 0, items = 0, beats = 0, bytes = 0;
        foreach (var s in streams)
        {
            if (s is null)
            {
                continue;
            }

            deliveries += Volatile.Read(ref s.Deliveries);
            items += Volatile.Read(ref s.NewItems);
            beats += Volatile.Read(ref s.Heartbeats);
            bytes += Volatile.Read(ref s.Bytes);
        }

        return (deliveries, items, beats, bytes);
    }

    private static async Task DelayUnlessCancelled(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void PrintProgress(int attempted) =>
        Console.Error.WriteLine(
            $"[{_options.Label}] attempted {attempted:N0}  connected {Volatile.Read(ref _connected):N0}  open {Volatile.Read(ref _opened):N0}  " +
            $"refused {Volatile.Read(ref _refused):N0}  failed {Volatile.Read(ref _failed):N0}");
}
