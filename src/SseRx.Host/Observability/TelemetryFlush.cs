using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace SseRx.Host.Observability;

/// <summary>
/// Pushes out what the OpenTelemetry providers hold (metrics aggregated since the last export, spans still queued):
/// on demand (<see cref="FlushAsync"/>, when the last stream ends, since a Lambda environment may be frozen next) and
/// once more after the host has stopped, so the streams that shutdown ended are counted.
/// </summary>
/// <remarks>
/// A DI singleton that is also a hosted service. The providers are resolved when needed: none is registered when no
/// exporter is on, and then a flush does nothing. Thread-safe (the SDK serializes collections).
/// </remarks>
internal sealed class TelemetryFlush(IServiceProvider services) : IHostedLifecycleService
{
    /// <summary>How long the flush after shutdown may take.</summary>
    internal static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(2);

    private int _stopped;

    /// <summary>
    /// Exports the pending metrics and spans now, waiting at most <paramref name="timeout"/> for each, off the calling
    /// thread (the SDK's flush blocks). Returns whether everything was exported; <see langword="true"/> when nothing is
    /// registered.
    /// </summary>
    public Task<bool> FlushAsync(TimeSpan timeout)
    {
        MeterProvider? meters;
        TracerProvider? tracers;
        try
        {
            meters = services.GetService<MeterProvider>();
            tracers = services.GetService<TracerProvider>();
        }
        catch (ObjectDisposedException)
        {
            return Task.FromResult(false);
        }

        if (meters is null && tracers is null)
        {
            return Task.FromResult(true);
        }

        var milliseconds = (int)timeout.TotalMilliseconds;
        return Task.Run(() => (meters?.ForceFlush(milliseconds) ?? true) & (tracers?.ForceFlush(milliseconds) ?? true));
    }

    /// <summary>After every hosted service, the server included, has stopped: one last flush.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        // A host may be stopped twice (a test factory and the app's own run loop race).
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await FlushAsync(ShutdownTimeout).ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
