using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace SseRx.AspNetCore;

/// <summary>
/// Orders a graceful shutdown (SIGTERM) so that new stream requests go elsewhere before open streams end:
/// <list type="number">
/// <item>Shutdown starts (<see cref="IHostApplicationLifetime.ApplicationStopping"/>): new stream requests are refused with 503 and <c>Retry-After</c> (a proxy that retries on 503 sends them to another
/// instance).</item>
/// <item>The server stops accepting connections: Kestrel closes its listening sockets first, so a proxy's next connect
/// is refused and it tries another instance.</item>
/// <item>Only then do the open streams end, each after an event whose id is a resume cursor, with the response's
/// closing chunk: Kestrel asks every connection to close once it no longer accepts new ones
/// (<see cref="IConnectionLifetimeNotificationFeature.ConnectionClosedRequested"/>), and a stream ends on that request.</item>
/// </list>
/// The host's shutdown timeout bounds it all; Kestrel aborts whatever is left then.
/// </summary>
internal static class StreamShutdown
{
    /// <summary>
    /// The token that ends one stream for shutdown: its connection's close request when the server makes one (Kestrel, after
    /// its listeners have closed), else <paramref name="applicationStopping"/> (a server that never asks, such as TestServer).
    /// </summary>
    public static CancellationToken EndOfStream(HttpContext context, CancellationToken applicationStopping) =>
        context.Features.Get<IConnectionLifetimeNotificationFeature>() is { ConnectionClosedRequested: { CanBeCanceled: true } closeRequested }
            ? closeRequested
            : applicationStopping;
}
