using Microsoft.Extensions.Options;
using SseRx.Host.Hosting;

namespace SseRx.Host.Observability;

/// <summary>
/// Writes the process's <see cref="EmfMetrics"/> as one EMF line every <see cref="EmfSettings.FlushInterval"/>, when
/// the process is about to go idle (<see cref="Flush"/> with <see cref="EmfFlushReason.Idle"/>, from the last
/// stream's end), and once more on shutdown, once the server has stopped. Does nothing unless
/// <see cref="ObservabilityOptions.EmfEnabled"/>.
/// </summary>
/// <remarks>
/// A DI singleton that is also the hosted service. Flushes are serialized by a lock, so lines are complete, in
/// order, and each period's aggregates are written exactly once. A failure to write is logged, never thrown.
/// </remarks>
internal sealed partial class EmfPublisher : IHostedLifecycleService, IDisposable
{
    private readonly EmfMetrics _metrics;
    private readonly EmfOutput _output;
    private readonly IServiceProvider _services;
    private readonly TimeProvider _time;
    private readonly ILogger<EmfPublisher> _logger;
    private readonly ObservabilityOptions _options;
    private readonly string _role;
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _periodStart;
    private Task? _loop;
    private PeriodicTimer? _timer;
    private int _stopped;

    public EmfPublisher(
        EmfMetrics metrics,
        EmfOutput output,
        IServiceProvider services,
        IOptions<ObservabilityOptions> options,
        IOptions<SseRxOptions> host,
        TimeProvider time,
        ILogger<EmfPublisher> logger)
    {
        _metrics = metrics;
        _output = output;
        _services = services;
        _time = time;
        _logger = logger;
        _options = options.Value;
        _role = host.Value.Role.ToString().ToLowerInvariant();
        _periodStart = time.GetTimestamp();
    }

    /// <summary>Whether lines are written at all.</summary>
    public bool Enabled => _options.EmfEnabled;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!Enabled)
        {
            return Task.CompletedTask;
        }

        lock (_lock)
        {
            _periodStart = _time.GetTimestamp();
        }

        _timer = new PeriodicTimer(_options.Emf.FlushInterval, _time);
        _loop = RunAsync(_timer, _stopping.Token);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// After every hosted service, the server included, has stopped (so the streams ended by shutdown are counted):
    /// ends the interval loop and writes the last line.
    /// </summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        // A host may be stopped twice (a test factory and the app's own run loop race), or after disposal.
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        await _stopping.CancelAsync();
        if (_loop is { } loop)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        Flush(EmfFlushReason.Shutdown);
    }

    /// <summary>Writes the aggregates since the last flush as one line now (no-op when disabled). Thread-safe.</summary>
    public void Flush(EmfFlushReason reason)
    {
        if (!Enabled)
        {
            return;
        }

        try
        {
            lock (_lock)
            {
                var now = _time.GetTimestamp();
                var period = _time.GetElapsedTime(_periodStart, now);
                _periodStart = now;
                var sample = _metrics.Collect(ActiveConnections(), period);
                var line = EmfDocument.Format(
                    sample, _options.Emf.Namespace, _options.EffectiveServiceName, _role, _time.GetUtcNow(), ReasonName(reason));
                _output.WriteLine(line);
            }
        }
        catch (Exception error) when (error is IOException or ObjectDisposedException or InvalidOperationException)
        {
            LogFlushFailed(_logger, error);
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _stopped, 1);
        _timer?.Dispose();
        _stopping.Dispose();
    }

    private async Task RunAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Flush(EmfFlushReason.Interval);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes the last line.
        }
    }

    private int ActiveConnections()
    {
        // Resolved late: the runtime is built by the host's start-up, and the gate is the one count of open streams.
        try
        {
            return _services.GetService<SseRxRuntime>()?.Gate.Active ?? 0;
        }
        catch (ObjectDisposedException)
        {
            return 0;
        }
    }

    private static string ReasonName(EmfFlushReason reason) => reason switch
    {
        EmfFlushReason.Interval => "interval",
        EmfFlushReason.Idle => "idle",
        _ => "shutdown",
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing the EMF metrics line failed")]
    private static partial void LogFlushFailed(ILogger logger, Exception error);
}

/// <summary>What made <see cref="EmfPublisher"/> write a line (the line's <c>FlushReason</c> member).</summary>
internal enum EmfFlushReason
{
    /// <summary>The flush interval elapsed (<c>interval</c>).</summary>
    Interval,

    /// <summary>The last open stream ended: on Lambda the environment may be frozen next (<c>idle</c>).</summary>
    Idle,

    /// <summary>The host is stopping (<c>shutdown</c>).</summary>
    Shutdown,
}
