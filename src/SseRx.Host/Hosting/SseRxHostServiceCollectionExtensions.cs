using System.Reactive.Concurrency;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SseRx.Configurations;
using SseRx.DynamoDb;
using SseRx.Host.Dashboard;
using SseRx.Host.Metrics;
using SseRx.Host.Observability;
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
        services.AddStores(configuration);

        // OBSERVABILITY HOOK: the runtime polls through the instrumented source and history (poll spans and metrics, resume spans).
        services.TryAddSingleton(sp => sp.CreateInstrumentedRuntime());
        services.AddSseRxObservability(configuration);
        services.TryAddSingleton<StreamHandler>();
        services.TryAddSingleton<MetricsReader>();
        services.AddHostedService<SseRxStartup>();
        services.AddHostedService<SimulatorService>();

        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<SseRxOptions>>((cors, sseRx) => SseRxCors.Configure(cors, sseRx.Value.Cors));
        return services;
    }

    private static void AddStores(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddDynamoDbStores(configuration);
        services.TryAddSingleton(sp => new InMemorySentimentStore(sp.GetRequiredService<IScheduler>()));
        services.TryAddSingleton<IEntryLog<SentimentItem>>(sp => StoreKind(sp) switch
        {
            SseRxStoreKind.Memory => sp.GetRequiredService<InMemorySentimentStore>(),
            _ => sp.GetRequiredService<DynamoDbStores>().Items,
        });
        services.TryAddSingleton<IConfigurationStore>(sp => StoreKind(sp) switch
        {
            SseRxStoreKind.Memory => new InMemoryConfigurationStore(sp.GetRequiredService<TimeProvider>()),
            _ => sp.GetRequiredService<DynamoDbStores>().Configurations,
        });

        // Which poll failures are worth a quick retry: for DynamoDB, a missing table or bad credentials are not.
        services.TryAddSingleton(sp => new StoreFailurePolicy(StoreKind(sp) switch
        {
            SseRxStoreKind.Memory => static _ => true,
            _ => DynamoDbErrors.IsTransient,
        }));
    }

    private static SseRxStoreKind StoreKind(IServiceProvider services) =>
        services.GetRequiredService<IOptions<SseRxOptions>>().Value.Store;
}
