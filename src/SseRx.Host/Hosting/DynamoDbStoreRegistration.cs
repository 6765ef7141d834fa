using System.Reactive.Concurrency;
using Microsoft.Extensions.Options;
using SseRx.Host.DynamoDb;

namespace SseRx.Host.Hosting;

/// <summary>
/// Wires <c>SseRx:Store=dynamodb</c>: the <c>SseRx:DynamoDb</c> settings, both DynamoDB stores over one client,
/// and the start-up check. Nothing here talks to DynamoDB unless that store is selected.
/// </summary>
internal static class DynamoDbStoreRegistration
{
    /// <summary>The configuration section of the DynamoDB settings.</summary>
    public const string SectionName = SseRxHostOptions.SectionName + ":DynamoDb";

    /// <summary>
    /// Binds <see cref="DynamoDbStoreOptions"/> from <c>SseRx:DynamoDb</c> (a configuration watch polls at
    /// <c>SseRx:PollInterval</c> unless <c>SseRx:DynamoDb:ConfigurationPollInterval</c> is set) and registers
    /// <see cref="DynamoDbStores"/> (built on first use, disposed with the container) and <see cref="DynamoDbStartup"/>.
    /// </summary>
    public static IServiceCollection AddDynamoDbStores(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        services.AddOptions<DynamoDbStoreOptions>()
            .Bind(section)
            .PostConfigure<IOptions<SseRxHostOptions>>((options, sseRx) =>
            {
                if (section[nameof(DynamoDbStoreOptions.ConfigurationPollInterval)] is null)
                {
                    options.ConfigurationPollInterval = sseRx.Value.PollInterval;
                }
            });
        services.AddSingleton(sp => DynamoDbStores.Create(
            sp.GetRequiredService<IOptions<DynamoDbStoreOptions>>().Value, sp.GetRequiredService<IScheduler>()));
        services.AddHostedService<DynamoDbStartup>();
        return services;
    }
}
