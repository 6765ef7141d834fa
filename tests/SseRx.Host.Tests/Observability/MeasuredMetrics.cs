using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Observability;

namespace SseRx.Host.Tests.Observability;

/// <summary>
/// A <see cref="SseRxMetrics"/> on a meter factory of its own, with a <see cref="MeterListener"/> that records what its
/// instruments measure. Only this instance's meter is listened to (by its factory), so tests running at the same time
/// do not add to it.
/// </summary>
public sealed class MeasuredMetrics : IDisposable
{
    private readonly ServiceProvider _services;
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, double Value)> _measurements = new();
    private readonly ConcurrentQueue<Instrument> _instruments = new();

    public MeasuredMetrics()
    {
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = _services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, factory))
            {
                _instruments.Enqueue(instrument);
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _measurements.Enqueue((instrument.Name, value)));
        _listener.SetMeasurementEventCallback<double>((instrument, value, _, _) => _measurements.Enqueue((instrument.Name, value)));
        _listener.Start();
        Metrics = new SseRxMetrics(factory);
    }

    internal SseRxMetrics Metrics { get; }

    /// <summary>The instruments the meter published.</summary>
    public IReadOnlyList<Instrument> Instruments => [.. _instruments];

    /// <summary>Every value measured by the instrument named <paramref name="name"/>, in order.</summary>
    public List<double> Values(string name) => _measurements.Where(m => m.Name == name).Select(m => m.Value).ToList();

    public void Dispose()
    {
        _listener.Dispose();
        _services.Dispose();
    }
}
