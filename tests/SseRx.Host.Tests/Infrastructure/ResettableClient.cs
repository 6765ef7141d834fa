using System.Collections.Concurrent;
using System.Net.Sockets;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// An <see cref="HttpClient"/> whose connections the test can cut abruptly: <see cref="Reset"/> closes every open
/// socket with SO_LINGER 0, so the server sees a TCP RST, as it would from a crashed client or a dropped network,
/// not a polite end.
/// </summary>
public sealed class ResettableClient : IDisposable
{
    private readonly ConcurrentDictionary<Socket, byte> _sockets = new();

    /// <summary>Creates a client for <paramref name="baseAddress"/>; every connection goes through its own socket.</summary>
    public ResettableClient(Uri baseAddress)
    {
        var handler = new SocketsHttpHandler
        {
            MaxResponseDrainSize = 0,
            ConnectCallback = ConnectAsync,
        };
        Http = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The client; a response read through it fails once its connection is reset.</summary>
    public HttpClient Http { get; }

    /// <summary>Resets every connection this client has open (RST, no FIN, nothing drained).</summary>
    public void Reset()
    {
        foreach (var socket in _sockets.Keys)
        {
            _sockets.TryRemove(socket, out _);
            RawSocketClient.Abort(socket);
        }
    }

    public void Dispose()
    {
        Reset();
        Http.Dispose();
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _sockets[socket] = 0;
        return new NetworkStream(socket, ownsSocket: true);
    }
}
