using System.Reactive.Concurrency;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace SseRx.AspNetCore;

/// <summary>Registers what SSE endpoints need.</summary>
public static class SseRxServiceCollectionExtensions
{
    /// <summary>
    /// Adds the SseRx services: the admission gate, a <see cref="ConnectionGate"/> you may resolve to report open streams
    /// (<see cref="SseRxOptions.MaxConnections"/>, <see cref="SseRxOptions.MaxConnectionsPerClient"/>), one <see cref="StreamClock"/> for every stream's heartbeats and lifetime (resolve it to count registered streams), the
    /// stream defaults, and a listener that does nothing unless you register an <see cref="ISseStreamListener"/>. Uses an
    /// <see cref="IScheduler"/> from the services, else <see cref="Scheduler.Default"/>. Registers with <c>TryAdd</c>, so
    /// calling it twice, or registering your own services first, is safe. The options are validated when the application
    /// starts: a bad value stops it with an <see cref="OptionsValidationException"/> naming the option.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddSseRx(this IServiceCollection services, Action<SseRxOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<SseRxOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // A bad value stops the application at start-up with the option's name, not every stream with a 500.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SseRxOptions>, SseRxOptionsValidator>());
        options.ValidateOnStart();

        services.TryAddSingleton<IScheduler>(Scheduler.Default);
        services.TryAddSingleton<ISseStreamListener, NoStreamListener>();
        services.TryAddSingleton(static sp =>
        {
            var settings = sp.GetRequiredService<IOptions<SseRxOptions>>().Value;
            settings.Validate();
            return new ConnectionGate(new ConnectionGateOptions
            {
                MaxConnections = settings.MaxConnections,
                MaxConnectionsPerClient = settings.MaxConnectionsPerClient,
            });
        });
        services.TryAddSingleton(static sp => new StreamClock(
            sp.GetRequiredService<IScheduler>(),
            SseRxServer.ClockResolution(sp.GetRequiredService<IOptions<SseRxOptions>>().Value.Stream)));
        services.TryAddSingleton<SseRxServer>();
        return services;
    }
}

/// <summary>Runs <see cref="SseRxOptions.Validate"/> when the options are first read (at start-up, with ValidateOnStart).</summary>
internal sealed class SseRxOptionsValidator : IValidateOptions<SseRxOptions>
{
    public ValidateOptionsResult Validate(string? name, SseRxOptions options)
    {
        try
        {
            options.Validate();
            return ValidateOptionsResult.Success;
        }
        catch (ArgumentException error)
        {
            return ValidateOptionsResult.Fail($"SseRxOptions: {error.Message}");
        }
    }
}
