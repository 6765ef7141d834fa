using System.Buffers;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// One HTTP/1.1 GET over a raw socket the test controls completely: how big its receive buffer is, whether it reads
/// at all, and how it ends (<see cref="Abort()"/>: RST; <see cref="CloseGracefullyAsync"/>: FIN, then drain to EOF).
/// Keeps every byte received, so the response can be checked byte for byte (see <see cref="Dechunk"/>).
/// </summary>
public sealed class RawSocketClient : IDisposable
{
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly ArrayBufferWriter<byte> _received = new(4096);
    private int _bodyStart = -1;

    private RawSocketClient(Socket socket) => _socket = socket;

    /// <summary>The response status code, once <see cref="ReadHeadAsync"/> has returned.</summary>
    public int StatusCode { get; private set; }

    /// <summary>The response head (status line and headers), once <see cref="ReadHeadAsync"/> has returned.</summary>
    public string Head { get; private set; } = string.Empty;

    /// <summary>The socket (to read its effective buffer sizes).</summary>
    public Socket Socket => _socket;

    /// <summary>The raw body bytes received so far (still chunk-encoded).</summary>
    public ReadOnlySpan<byte> RawBody => _bodyStart < 0 ? default : _received.WrittenSpan[_bodyStart..];

    /// <summary>Whether the server closed the connection (a read returned 0 bytes).</summary>
    public bool SawEndOfStream { get; private set; }

    /// <summary>Connects to <paramref name="baseAddress"/> and sends <c>GET <paramref name="path"/></c> asking for an event stream.</summary>
    /// <param name="baseAddress">The app's address.</param>
    /// <param name="path">The request path.</param>
    /// <param name="receiveBufferSize">SO_RCVBUF, set before connecting so the TCP window is small from the start; null for the default.</param>
    /// <param name="timeout">How long connecting and sending may take.</param>
    public static async Task<RawSocketClient> OpenAsync(Uri baseAddress, string path, int? receiveBufferSize = null, TimeSpan? timeout = null)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBufferSize is { } size)
        {
            socket.ReceiveBufferSize = size;
        }

        try
        {
            using var deadline = new CancellationTokenSource(timeout ?? SseRxApp.Deadline);
            await socket.ConnectAsync(baseAddress.DnsSafeHost, baseAddress.Port, deadline.Token);
            var request = string.Create(
                CultureInfo.InvariantCulture,
                $"GET {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nAccept: text/event-stream\r\n\r\n");
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, deadline.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawSocketClient(socket);
    }

    /// <summary>Resets <paramref name="socket"/>: SO_LINGER 0 then close, so the peer gets a RST.</summary>
    public static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (ObjectDisposedException)
        {
            return;
        }
        catch (SocketException)
        {
            // Already closed by the peer; closing below is all that is left.
        }

        socket.Close();
    }

    /// <summary>
    /// Decodes an HTTP/1.1 chunked body. Returns the payload and whether the terminating zero-length chunk was seen
    /// (a response the server ended cleanly); a truncated last chunk is left out of the payload.
    /// </summary>
    public static (byte[] Payload, bool Terminated) Dechunk(ReadOnlySpan<byte> raw)
    {
        var payload = new ArrayBufferWriter<byte>(raw.Length);
        while (true)
        {
            var lineEnd = raw.IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                return (payload.WrittenSpan.ToArray(), false);
            }

            var sizeText = Encoding.ASCII.GetString(raw[..lineEnd]).Split(';')[0].Trim();
            var size = int.Parse(sizeText, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            raw = raw[(lineEnd + 2)..];
            if (size == 0)
            {
                return (payload.WrittenSpan.ToArray(), true);
            }

            if (raw.Length < size + 2)
            {
                return (payload.WrittenSpan.ToArray(), false);
            }

            payload.Write(raw[..size]);
            raw = raw[(size + 2)..];
        }
    }

    /// <summary>Reads until the response head has arrived, then parses the status code.</summary>
    public async Task ReadHeadAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? SseRxApp.Deadline);
        while (true)
        {
            var end = _received.WrittenSpan.IndexOf(HeaderEnd);
            if (end >= 0)
            {
                _bodyStart = end + HeaderEnd.Length;
                Head = Encoding.ASCII.GetString(_received.WrittenSpan[..end]);
                StatusCode = int.Parse(Head.Split(' ', 3)[1], CultureInfo.InvariantCulture);
                return;
            }

            if (await ReceiveAsync(deadline.Token) == 0)
            {
                throw new IOException("The connection closed before the response head arrived.");
            }
        }
    }

    /// <summary>Reads until the raw body contains <paramref name="marker"/> at least <paramref name="occurrences"/> times.</summary>
    public async Task ReadUntilAsync(ReadOnlyMemory<byte> marker, int occurrences = 1, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? SseRxApp.Deadline);
        while (Occurrences(RawBody, marker.Span) < occurrences)
        {
            if (await ReceiveAsync(deadline.Token) == 0)
            {
                throw new IOException("The connection closed before the expected bytes arrived.");
            }
        }
    }

    /// <summary>Reads until the server closes the connection (EOF); fails at the deadline.</summary>
    public async Task ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? SseRxApp.Deadline);
        while (await ReceiveAsync(deadline.Token) > 0)
        {
        }
    }

    /// <summary>Ends politely: sends FIN (shutdown of the send side), reads what is left until the server closes, then closes.</summary>
    public async Task CloseGracefullyAsync(TimeSpan? timeout = null)
    {
        _socket.Shutdown(SocketShutdown.Send);
        await ReadToEndAsync(timeout);
        _socket.Close();
    }

    /// <summary>Ends abruptly: RST.</summary>
    public void Abort() => Abort(_socket);

    public void Dispose() => _socket.Dispose();

    private static int Occurrences(ReadOnlySpan<byte> text, ReadOnlySpan<byte> marker)
    {
        var count = 0;
        int index;
        while ((index = text.IndexOf(marker)) >= 0)
        {
            count++;
            text = text[(index + marker.Length)..];
        }

        return count;
    }

    private async Task<int> ReceiveAsync(CancellationToken cancellationToken)
    {
        var memory = _received.GetMemory(16 * 1024);
        int read;
        try
        {
            read = await _socket.ReceiveAsync(memory, SocketFlags.None, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException("The connection did not deliver the expected bytes within the deadline.");
        }

        _received.Advance(read);
        if (read == 0)
        {
            SawEndOfStream = true;
        }

        return read;
    }
}
