using System.Reactive.Concurrency;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace SseRx.AspNetCore;

/// <summary>
/// What every stream of the process shares: the admission gate, the one clock behind every heartbeat and lifetime,
/// the listener, and the application's stopping signal. Registered by <see cref="SseRxServiceCollectionExtensions.AddSseRx"/>.
/// </summary>
internal sealed class SseRxServer
{
    public SseRxServer(
        IOptions<SseRxOptions> options,
        ConnectionGate gate,
        StreamClock clock,
        IScheduler scheduler,
        IHostApplicationLifetime lifetime,
        ISseStreamListener listener)
    {
        Options = options.Value;
        Options.Validate();
        Gate = gate;
        Scheduler = scheduler;
        Stopping = lifetime.ApplicationStopping;
        Listener = listener;
        Clock = clock;
    }

    public SseRxOptions Options { get; }

    public IScheduler Scheduler { get; }

    public CancellationToken Stopping { get; }

    public ISseStreamListener Listener { get; }

    public ConnectionGate Gate { get; }

    public StreamClock Clock { get; }

    /// <summary>
    /// How late a heartbeat or a stream's end may be: a twentieth of the shorter of the two intervals, between 10 ms and
    /// one second (one second with 30 s heartbeats).
    /// </summary>
    internal static TimeSpan ClockResolution(SseStreamOptions options)
    {
        var shorter = options.MaxLifetime is { } lifetime && lifetime < options.HeartbeatInterval ? lifetime : options.HeartbeatInterval;
        return TimeSpan.FromTicks(Math.Clamp(shorter.Ticks / 20, TimeSpan.TicksPerMillisecond * 10, TimeSpan.TicksPerSecond));
    }
}
