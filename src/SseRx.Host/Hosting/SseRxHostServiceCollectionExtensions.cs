using System.Reactive.Concurrency;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SseRx.AspNetCore;
using SseRx.Host.Auth;
using SseRx.Host.Configurations;
using SseRx.DynamoDb;
using SseRx.Host.DynamoDb;
using SseRx.Host.Dashboard;
using SseRx.Host.Metrics;
using SseRx.Host.Observability;
using SseRx.Host.Sentiment;

namespace SseRx.Host.Hosting;

/// <summary>Registers the host's services: settings, the per-process runtime, the stores, CORS and shutdown.</summary>
internal static class SseRxHostServiceCollectionExtensions
{
    /// <summary>How long shutdown waits for requests to finish; streams end at once on ApplicationStopping.</summary>
    internal static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Adds everything the endpoints need. Store-dependent services are chosen when first resolved (from the
    /// validated <see cref="SseRxHostOptions"/>), so registrations made later, for example by tests, win.
    /// </summary>
    public static IServiceCollection AddSseRxHost(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(SseRxHostOptions.SectionName);
        services.AddOptions<SseRxHostOptions>()
            .Bind(section)
            .PostConfigure(options => EmptyMeansOff(options, section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SseRxHostOptions>, SseRxHostOptionsValidator>());
        services.Configure<HostOptions>(host => host.ShutdownTimeout = ShutdownTimeout);
        services.AddProblemDetails();
        services.PostConfigure<JsonOptions>(json => WithoutReflection(json.SerializerOptions));

        services.TryAddSingleton<IScheduler>(Scheduler.Default);
        services.TryAddSingleton(TimeProvider.System);
        services.AddStores(configuration);

        // OBSERVABILITY HOOK: the runtime polls through the instrumented source and history (poll spans and metrics, resume spans).
        services.TryAddSingleton(sp => sp.CreateInstrumentedRuntime());
        services.AddSseRxObservability(configuration);
        services.AddSseRx();
        services.AddOptions<SseRxOptions>().Configure<IOptions<SseRxHostOptions>>(static (streams, host) =>
        {
            if (TryRead(host) is { } settings)
            {
                ConfigureStreams(streams, settings);
            }
        });
        services.AddOptions<SocketTransportOptions>().Configure<IOptions<SseRxHostOptions>>(static (sockets, host) =>
        {
            if (TryRead(host) is { } settings)
            {
                sockets.UnsafePreferInlineScheduling = settings.InlineSocketScheduling;
            }
        });
        services.TryAddSingleton<MetricsReader>();
        services.AddHostedService<SseRxStartup>();
        services.AddHostedService<SimulatorService>();

        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<SseRxHostOptions>>((cors, sseRx) => SseRxCors.Configure(cors, sseRx.Value.Cors));
        return services;
    }

    /// <summary>
    /// The validated host settings, or <see langword="null"/> when they are invalid: invalid settings are reported once,
    /// by their own start-up validation naming the <c>SseRx:*</c> key, and options derived from them keep their (valid)
    /// defaults instead of repeating the same error.
    /// </summary>
    private static SseRxHostOptions? TryRead(IOptions<SseRxHostOptions> host)
    {
        try
        {
            return host.Value;
        }
        catch (OptionsValidationException)
        {
            return null;
        }
    }

    /// <summary>
    /// An empty <c>MaxConnectionsPerClient</c> turns the cap off. The reflection-based binder makes an empty value
    /// <see langword="null"/>; the source-generated one (the build's, for Native AOT) leaves the default in place.
    /// </summary>
    private static void EmptyMeansOff(SseRxHostOptions options, IConfigurationSection section)
    {
        if (section[nameof(SseRxHostOptions.MaxConnectionsPerClient)] is { Length: 0 })
        {
            options.MaxConnectionsPerClient = null;
        }
    }

    /// <summary>
    /// Removes the reflection-based resolver from the HTTP JSON options. The Native AOT binary has none, so any type
    /// written without source-generated metadata would fail there at run time, where no analyzer looks; without it
    /// here too, the same type fails the tests of the JIT build instead.
    /// </summary>
    internal static void WithoutReflection(JsonSerializerOptions options)
    {
        var chain = options.TypeInfoResolverChain;
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            if (chain[i] is DefaultJsonTypeInfoResolver)
            {
                chain.RemoveAt(i);
            }
        }
    }

    /// <summary>The package's stream settings, from the host's: limits, heartbeats, lifetime, retry, the buffer, client keys.</summary>
    internal static void ConfigureStreams(SseRxOptions streams, SseRxHostOptions host)
    {
        streams.MaxConnections = host.MaxConnections;
        streams.MaxConnectionsPerClient = host.MaxConnectionsPerClient;
        streams.Stream = new SseStreamOptions
        {
            HeartbeatInterval = host.HeartbeatInterval,
            HeartbeatMode = host.HeartbeatMode,
            MaxLifetime = host.MaxStreamLifetime,
            RetryInterval = host.RetryInterval,
            RetryJitter = host.RetryJitter,
            MaxLifetimeJitter = host.MaxStreamLifetimeJitter,
            Buffer = new ConsumerBufferOptions
            {
                Capacity = host.ConsumerBufferCapacity,
                MaxCapacity = host.ConsumerBufferMaxCapacity,

                // Only the latest metrics matter to a client that is behind (each ticker's state is conflated by key).
                ConflatedTypes = new HashSet<string>(StringComparer.Ordinal) { SseEventTypes.Heartbeat, SentimentEventTypes.Metrics },
            },

            // A signed-in user is one client wherever they connect from; anyone else is their address (IPv6 by /64).
            ClientKey = static context => ClientKey.For(context, UserIdentity.GetUserId(context)),
        };
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
        services.GetRequiredService<IOptions<SseRxHostOptions>>().Value.Store;
}
