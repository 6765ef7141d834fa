using System.Net;
using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;

namespace SseRx.Host.DynamoDb;

/// <summary>Creates the DynamoDB client the host and the simulator use, from <see cref="DynamoDbStoreOptions"/>.</summary>
public static class DynamoDbClientFactory
{
    /// <summary>The credentials used for a local server when none are configured; local servers do not check them.</summary>
    public const string LocalAccessKey = "sserx-local";

    /// <summary>
    /// Creates a client for <see cref="DynamoDbStoreOptions.ServiceUrl"/> (signing for
    /// <see cref="DynamoDbStoreOptions.Region"/>), or for real DynamoDB in that region when no URL is set.
    /// </summary>
    /// <remarks>
    /// <para>Credentials: the SDK's default chain (environment, profile, container or instance role). For a
    /// loopback <see cref="DynamoDbStoreOptions.ServiceUrl"/> with neither <c>AWS_ACCESS_KEY_ID</c> nor
    /// <c>AWS_PROFILE</c> set, fixed dummy credentials instead, so a local server works on a machine with no AWS setup.</para>
    /// <para>Retries: at most 2 SDK retries per request, with a 10-second request timeout. The poller backs off on
    /// its own, and an SDK left to its defaults can spend minutes on one request while a server is down.</para>
    /// <para>The caller owns the client and disposes it.</para>
    /// </remarks>
    /// <exception cref="ArgumentException">An option is invalid (see <see cref="DynamoDbStoreOptions.Validate"/>).</exception>
    public static AmazonDynamoDBClient Create(DynamoDbStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var config = new AmazonDynamoDBConfig
        {
            MaxErrorRetry = 2,
            RetryMode = RequestRetryMode.Standard,
            Timeout = TimeSpan.FromSeconds(10),
        };
        if (options.ServiceUrl is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = options.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.Region);
        }

        if (options.IsLocalServer &&
            string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_ACCESS_KEY_ID")) &&
            string.IsNullOrEmpty(Environment.GetEnvironmentVariable("AWS_PROFILE")))
        {
            return new AmazonDynamoDBClient(new BasicAWSCredentials(LocalAccessKey, LocalAccessKey), config);
        }

        return new AmazonDynamoDBClient(config);
    }

    /// <summary>Whether <paramref name="serviceUrl"/> is an absolute URL whose host is this machine (<c>localhost</c> or a loopback address).</summary>
    public static bool IsLoopback(string? serviceUrl)
    {
        if (!Uri.TryCreate(serviceUrl, UriKind.Absolute, out var url))
        {
            return false;
        }

        return url.IsLoopback || (IPAddress.TryParse(url.IdnHost, out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Where a client sends its requests, for error messages: its service URL, or the region's endpoint.</summary>
    public static string DescribeEndpoint(IAmazonDynamoDB client)
    {
        ArgumentNullException.ThrowIfNull(client);
        var config = client.Config;
        if (!string.IsNullOrEmpty(config.ServiceURL))
        {
            return $"{config.ServiceURL.TrimEnd('/')} (region {config.AuthenticationRegion ?? "not set"})";
        }

        return config.RegionEndpoint is { } region ? $"DynamoDB in region {region.SystemName}" : "DynamoDB (no region set)";
    }
}
