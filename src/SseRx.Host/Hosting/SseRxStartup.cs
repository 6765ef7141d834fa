using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace SseRx.Host.Hosting;

/// <summary>
/// Start-up checks and the start-up banner: builds the runtime (so a store that cannot be wired fails the start,
/// not the first request) and, once the server listens, logs the URLs to open.
/// </summary>
internal sealed partial class SseRxStartup(
    IServiceProvider services,
    IServer server,
    IHostApplicationLifetime lifetime,
    IOptions<SseRxHostOptions> options,
    ILogger<SseRxStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<SseRxRuntime>();
        lifetime.ApplicationStarted.Register(LogAddresses);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void LogAddresses()
    {
        var settings = options.Value;
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        if (addresses is null)
        {
            return;
        }

        foreach (var address in addresses)
        {
            LogListening(logger, address, settings.Role, settings.Store);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "SseRx listening on {Address} (role {Role}, store {Store})")]
    private static partial void LogListening(ILogger logger, string address, SseRxRole role, SseRxStoreKind store);
}
