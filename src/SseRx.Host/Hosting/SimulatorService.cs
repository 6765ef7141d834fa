using System.Reactive.Concurrency;
using Microsoft.Extensions.Options;
using SseRx.Host.Sentiment;

namespace SseRx.Host.Hosting;

/// <summary>
/// Feeds <see cref="SentimentSimulator"/> items into the in-memory store while the host runs, when
/// <c>SseRx:Store</c> is <c>memory</c> and <c>SseRx:Simulator:Enabled</c> is true (the local default).
/// </summary>
internal sealed partial class SimulatorService(
    IServiceProvider services,
    IOptions<SseRxHostOptions> options,
    IScheduler scheduler,
    ILogger<SimulatorService> logger) : IHostedService, IDisposable
{
    private IDisposable? _subscription;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.Store != SseRxStoreKind.Memory || !settings.Simulator.Enabled)
        {
            return Task.CompletedTask;
        }

        var store = services.GetRequiredService<InMemorySentimentStore>();
        var simulator = new SimulatorOptions { EventsPerSecond = settings.Simulator.EventsPerSecond, Seed = settings.Simulator.Seed };
        _subscription = SentimentSimulator.Generate(simulator, scheduler).Subscribe(
            store.Add,
            error => LogSimulatorFailed(logger, error));
        LogSimulatorStarted(logger, simulator.EventsPerSecond, simulator.Seed);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose() => Interlocked.Exchange(ref _subscription, null)?.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulator feeding the in-memory store: {EventsPerSecond} item(s)/s, seed {Seed}")]
    private static partial void LogSimulatorStarted(ILogger logger, double eventsPerSecond, int seed);

    [LoggerMessage(Level = LogLevel.Error, Message = "The simulator stopped")]
    private static partial void LogSimulatorFailed(ILogger logger, Exception error);
}
