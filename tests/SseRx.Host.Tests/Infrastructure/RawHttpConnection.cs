using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// One HTTP/1.1 exchange over a plain socket, for what <see cref="HttpClient"/> will not send (raw bytes in headers)
/// or would hide (whether a chunked response ended with its terminating chunk or was cut off). Sends the request
/// bytes as given, reads the status line and headers, then exposes the body, de-chunked when the response is chunked.
/// </summary>
public sealed class RawHttpConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _network;
    private readonly byte[] _buffer;
    private int _start;
    private int _end;

    private RawHttpConnection(Socket socket, int bufferSize)
    {
        _socket = socket;
        _network = new NetworkStream(socket, ownsSocket: false);
        _buffer = new byte[bufferSize];
    }

    /// <summary>The response's status code.</summary>
    public int StatusCode { get; private set; }

    /// <summary>The response headers (the last value of a repeated header), names case-insensitive.</summary>
    public Dictionary<string, string> Headers { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the response body is chunked.</summary>
    public bool IsChunked => Headers.TryGetValue("Transfer-Encoding", out var value) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase);

    /// <summary>An ASCII GET request for <paramref name="path"/>, closing the connection after the response.</summary>
    public static byte[] Get(string path, EndPoint host, params (string Name, string Value)[] headers)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        foreach (var (name, value) in headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        return Encoding.ASCII.GetBytes(text.Append("\r\n").ToString());
    }

    /// <summary>
    /// Connects to <paramref name="endpoint"/>, sends <paramref name="request"/> and reads the response head.
    /// </summary>
    /// <param name="endpoint">A loopback endpoint.</param>
    /// <param name="request">The request bytes, sent as they are.</param>
    /// <param name="cancellationToken">Abandons the exchange.</param>
    /// <param name="bufferSize">The receive buffer; a response head must fit in it.</param>
    public static async Task<RawHttpConnection> SendAsync(
        EndPoint endpoint, ReadOnlyMemory<byte> request, CancellationToken cancellationToken, int bufferSize = 8192)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new RawHttpConnection(socket, bufferSize);
        try
        {
            await socket.SendAsync(request, SocketFlags.None, cancellationToken);
            await connection.ReadHeadAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The body: de-chunked for a chunked response (see <see cref="ChunkedBody.Completed"/>), else everything up to the
    /// end of the connection. Read it once.
    /// </summary>
    public ChunkedBody OpenBody() => new(this, IsChunked);

    /// <summary>The whole body as UTF-8 text.</summary>
    public async Task<string> ReadBodyAsStringAsync(CancellationToken cancellationToken)
    {
        using var body = OpenBody();
        using var copy = new MemoryStream();
        await body.CopyToAsync(copy, cancellationToken);
        return Encoding.UTF8.GetString(copy.ToArray());
    }

    public async ValueTask DisposeAsync()
    {
        await _network.DisposeAsync();
        _socket.Dispose();
    }

    private async Task ReadHeadAsync(CancellationToken cancellationToken)
    {
        var status = await ReadLineAsync(cancellationToken) ?? throw new IOException("The connection closed before a status line.");
        var parts = status.Split(' ', 3);
        StatusCode = int.Parse(parts[1], CultureInfo.InvariantCulture);
        while (await ReadLineAsync(cancellationToken) is { Length: > 0 } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            Headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
    }

    /// <summary>The next CRLF-terminated line (without it), or <see langword="null"/> at the end of the connection.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == '\r')
                {
                    length--;
                }

                var line = Encoding.Latin1.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }

            if (!await FillAsync(cancellationToken))
            {
                return null;
            }
        }
    }

    /// <summary>Reads more bytes into the buffer; false at the end of the connection.</summary>
    private async Task<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            throw new InvalidDataException("A line is longer than the receive buffer.");
        }

        var read = await _network.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
        _end += read;
        return read > 0;
    }

    /// <summary>A response body; for a chunked one, <see cref="Completed"/> tells a proper end from a cut-off.</summary>
    public sealed class ChunkedBody : Stream
    {
        private readonly RawHttpConnection _connection;
        private readonly bool _chunked;
        private long _remainingInChunk;
        private bool _afterChunk;
        private bool _ended;

        internal ChunkedBody(RawHttpConnection connection, bool chunked)
        {
            _connection = connection;
            _chunked = chunked;
        }

        /// <summary>
        /// For a chunked body, whether the server sent the terminating zero-length chunk: the response ended as the
        /// server meant it to. False when the connection ended (or was reset) first.
        /// </summary>
        public bool Completed { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (_ended || destination.Length == 0)
            {
                return 0;
            }

            if (_chunked && _remainingInChunk == 0 && !await NextChunkAsync(cancellationToken))
            {
                _ended = true;
                return 0;
            }

            var connection = _connection;
            if (connection._start == connection._end && !await connection.FillAsync(cancellationToken))
            {
                _ended = true;
                return 0;
            }

            var available = connection._end - connection._start;
            var count = (int)Math.Min(destination.Length, _chunked ? Math.Min(available, _remainingInChunk) : available);
            connection._buffer.AsMemory(connection._start, count).CopyTo(destination);
            connection._start += count;
            if (_chunked)
            {
                _remainingInChunk -= count;
                _afterChunk = _remainingInChunk == 0;
            }

            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        /// <summary>Reads the next chunk header; false at the terminating chunk or the end of the connection.</summary>
        private async Task<bool> NextChunkAsync(CancellationToken cancellationToken)
        {
            if (_afterChunk)
            {
                // The CRLF that closes the previous chunk's data.
                if (await _connection.ReadLineAsync(cancellationToken) is null)
                {
                    return false;
                }

                _afterChunk = false;
            }

            var header = await _connection.ReadLineAsync(cancellationToken);
            if (header is null)
            {
                return false;
            }

            var extension = header.IndexOf(';', StringComparison.Ordinal);
            var size = long.Parse(extension < 0 ? header : header[..extension], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                // Trailers, if any, end with an empty line.
                while (await _connection.ReadLineAsync(cancellationToken) is { Length: > 0 })
                {
                }

                Completed = true;
                return false;
            }

            _remainingInChunk = size;
            return true;
        }
    }
}
