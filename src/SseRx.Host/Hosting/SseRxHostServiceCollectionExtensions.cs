using System.Reactive.Concurrency;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SseRx.Configurations;
using SseRx.Host.Dashboard;
using SseRx.Host.Metrics;
using SseRx.Host.Streaming;
using SseRx.InMemory;
using SseRx.Sentiment;

namespace SseRx.Host.Hosting;

/// <summary>Registers the host's services: settings, the per-process runtime, the stores, CORS and shutdown.</summary>
internal static class SseRxHostServiceCollectionExtensions
{
    /// <summary>How long shutdown waits for requests to finish; streams end at once on ApplicationStopping.</summary>
    internal static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Adds everything the endpoints need. Store-dependent services are chosen when first resolved (from the
    /// validated <see cref="SseRxOptions"/>), so registrations made later, for example by tests, win.
    /// </summary>
    public static IServiceCollection AddSseRxHost(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SseRxOptions>()
            .Bind(configuration.GetSection(SseRxOptions.SectionName))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SseRxOptions>, SseRxOptionsValidator>());
        services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        services.AddProblemDetails();

        services.TryAddSingleton<IScheduler>(Scheduler.Default);
        services.TryAddSingleton(TimeProvider.System);
        services.AddStores();

        services.TryAddSingleton<SseRxRuntime>();
        services.TryAddSingleton<StreamHandler>();
        services.TryAddSingleton<MetricsReader>();
        services.AddHostedService<SseRxStartup>();
        services.AddHostedService<SimulatorService>();

        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<SseRxOptions>>((cors, sseRx) => SseRxCors.Configure(cors, sseRx.Value.Cors));
        return services;
    }

    private static void AddStores(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new InMemorySentimentStore(sp.GetRequiredService<IScheduler>()));
        services.TryAddSingleton<ISentimentSource>(sp => StoreKind(sp) switch
        {
            SseRxStoreKind.Memory => sp.GetRequiredService<InMemorySentimentStore>(),
            _ => throw DynamoDbNotAvailable(),
        });
        services.TryAddSingleton<ISentimentHistory>(sp => StoreKind(sp) switch
        {
            SseRxStoreKind.Memory => sp.GetRequiredService<InMemorySentimentStore>(),
            _ => throw DynamoDbNotAvailable(),
        });
        services.TryAddSingleton<IConfigurationStore>(sp => StoreKind(sp) switch
        {
            SseRxStoreKind.Memory => new InMemoryConfigurationStore(sp.GetRequiredService<TimeProvider>()),
            _ => throw DynamoDbNotAvailable(),
        });
    }

    private static SseRxStoreKind StoreKind(IServiceProvider services) =>
        services.GetRequiredService<IOptions<SseRxOptions>>().Value.Store;

    // DYNAMODB REGISTRATION POINT: the DynamoDB adapter (src/SseRx.Core/DynamoDb) plugs in here, returning its
    // ISentimentSource, ISentimentHistory and IConfigurationStore for SseRxStoreKind.DynamoDb in the three
    // switches above. Until then, SseRx:Store=dynamodb fails at start-up (SseRxStartup builds the runtime) with this message.
    private static InvalidOperationException DynamoDbNotAvailable() =>
        new("SseRx:Store=dynamodb is not available yet in this build: the DynamoDB adapter is not wired into the host. Use SseRx:Store=memory.");
}
