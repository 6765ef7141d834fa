using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace SseRx.LoadClient;

/// <summary>
/// One SSE stream over a raw socket: a hand-written HTTP/1.1 GET, then a byte scanner that decodes chunked
/// transfer encoding and counts events by their blank-line terminator, hashing each event's <c>id:</c> value for
/// the broadcast spread. It never parses JSON and never allocates per event.
/// </summary>
/// <remarks>
/// <para>
/// Reads use the zero-byte-receive pattern: the socket waits for data with an empty buffer, then drains into a
/// pinned buffer owned by the thread. Thousands of idle streams therefore hold no receive buffer at all.
/// </para>
/// <para>
/// Lines are assumed to end with LF (CR is ignored), which is what <c>System.Net.ServerSentEvents.SseFormatter</c>
/// writes for both servers measured here; a bare-CR line ending is not recognised.
/// </para>
/// </remarks>
internal sealed class SseStream
{
    private const int ReceiveBufferSize = 64 * 1024;
    private const int MaxReadsPerWake = 16;
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    [ThreadStatic]
    private static byte[]? t_receiveBuffer;

    private readonly LoadRun _run;
    private Socket? _socket;

    // HTTP response head.
    private Phase _phase;
    private int _status;
    private int _statusDigits;
    private int _headerSpaces;
    private int _headerEndMatch;
    private int _chunkedMatch;
    private bool _chunked;
    private long _chunkRemaining;

    // SSE scanner.
    private Line _line;
    private int _fieldMatch;
    private bool _valueStarted;
    private bool _inEvent;
    private ulong _hash;
    private bool _hasId;
    private ulong _idHash;
    private int _typeLength;
    private bool _typeMayBeHeartbeat;
    private bool _typeMayBeNewItem;
    private bool _typeMayBeMetrics;
    private EventKind _eventKind;

    public SseStream(LoadRun run)
    {
        _run = run;
    }

    private enum Phase
    {
        StatusLine,
        Headers,
        ChunkSize,
        ChunkExtension,
        ChunkSizeLf,
        ChunkData,
        ChunkDataCr,
        ChunkDataLf,
        Identity,
        Done,
    }

    private enum Line
    {
        Start,
        Skip,
        IdName,
        EventName,
        IdValue,
        EventValue,
    }

    public enum EventKind
    {
        Other,
        Heartbeat,
        NewItem,
        Metrics,
    }

    /// <summary>Non-heartbeat events received (each counted at its blank-line terminator).</summary>
    public long Deliveries;

    /// <summary>Of <see cref="Deliveries"/>, the <c>new_item</c> events.</summary>
    public long NewItems;

    /// <summary>Heartbeat events received.</summary>
    public long Heartbeats;

    /// <summary>Bytes received, headers included.</summary>
    public long Bytes;

    private static ReadOnlySpan<byte> IdField => "id:"u8;

    private static ReadOnlySpan<byte> EventField => "event:"u8;

    private static ReadOnlySpan<byte> HeartbeatType => "heartbeat"u8;

    private static ReadOnlySpan<byte> NewItemType => "new_item"u8;

    private static ReadOnlySpan<byte> MetricsType => "metrics"u8;

    private static ReadOnlySpan<byte> ChunkedToken => "chunked"u8;

    /// <summary>Connects, sends the request and reads until the server ends the stream or <see cref="Close"/> is called.</summary>
    public async Task RunAsync(IPAddress source, LoopbackTarget target, TimeSpan connectTimeout)
    {
        var socket = new Socket(target.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            // An abortive close (RST) leaves no TIME_WAIT behind, so back-to-back runs never run out of ports.
            LingerState = new LingerOption(true, 0),
        };
        _socket = socket;
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            using (var timeout = new CancellationTokenSource(connectTimeout))
            {
                await socket.ConnectAsync(target.EndPoint, timeout.Token);
            }

            await socket.SendAsync(target.Request, SocketFlags.None);
            _run.OnConnected();
            socket.Blocking = false;
            await ReadLoopAsync(socket);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            if (_phase is Phase.StatusLine or Phase.Headers && !_run.IsStopping)
            {
                _run.OnConnectFailed(ex);
            }
            else if (_phase != Phase.Done && !_run.IsStopping)
            {
                _run.OnStreamLost();
            }
        }
        finally
        {
            socket.Dispose();
        }
    }

    /// <summary>Closes the socket (abortively), which ends <see cref="RunAsync"/>. Safe to call at any time.</summary>
    public void Close() => _socket?.Dispose();

    private async Task ReadLoopAsync(Socket socket)
    {
        while (true)
        {
            // Wait for data without holding a buffer.
            await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);

            var buffer = t_receiveBuffer ??= GC.AllocateArray<byte>(ReceiveBufferSize, pinned: true);
            for (var reads = 0; reads < MaxReadsPerWake; reads++)
            {
                var received = socket.Receive(buffer, 0, buffer.Length, SocketFlags.None, out var error);
                if (error == SocketError.WouldBlock)
                {
                    break;
                }

                if (error != SocketError.Success)
                {
                    throw new SocketException((int)error);
                }

                if (received == 0)
                {
                    OnServerClosed();
                    return;
                }

                Bytes += received;
                Feed(buffer.AsSpan(0, received), Stopwatch.GetTimestamp());
                if (_phase == Phase.Done)
                {
                    return;
                }

                if (received < buffer.Length)
                {
                    break;
                }
            }
        }
    }

    private void OnServerClosed()
    {
        if (_phase is Phase.StatusLine or Phase.Headers)
        {
            _run.OnConnectFailed(new IOException("The server closed the connection before the response head."));
        }
        else if (_phase != Phase.Done && !_run.IsStopping)
        {
            _run.OnServerEnded();
        }

        _phase = Phase.Done;
    }

    private void Feed(ReadOnlySpan<byte> data, long timestamp)
    {
        while (!data.IsEmpty)
        {
            switch (_phase)
            {
                case Phase.StatusLine:
                case Phase.Headers:
                    data = ReadHead(data);
                    break;
                case Phase.ChunkSize:
                case Phase.ChunkExtension:
                case Phase.ChunkSizeLf:
                case Phase.ChunkDataCr:
                case Phase.ChunkDataLf:
                    data = ReadChunkFraming(data);
                    break;
                case Phase.ChunkData:
                    var take = (int)Math.Min(_chunkRemaining, data.Length);
                    Scan(data[..take], timestamp);
                    data = data[take..];
                    _chunkRemaining -= take;
                    if (_chunkRemaining == 0)
                    {
                        _phase = Phase.ChunkDataCr;
                    }

                    break;
                case Phase.Identity:
                    Scan(data, timestamp);
                    return;
                default:
                    return;
            }
        }
    }

    /// <summary>Reads the status code and finds the end of the head; notes whether the body is chunked.</summary>
    private ReadOnlySpan<byte> ReadHead(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            var b = data[i++];
            if (_phase == Phase.StatusLine)
            {
                // "HTTP/1.1 200 OK": the three digits after the first space.
                if (b == ' ')
                {
                    _headerSpaces++;
                }
                else if (_headerSpaces == 1 && _statusDigits < 3 && char.IsAsciiDigit((char)b))
                {
                    _status = (_status * 10) + (b - '0');
                    _statusDigits++;
                }
                else if (b == '\n')
                {
                    _phase = Phase.Headers;
                    _headerEndMatch = 2;
                    continue;
                }
            }

            // "\r\n\r\n" ends the head; count the run of CR/LF bytes.
            _headerEndMatch = b is (byte)'\r' or (byte)'\n' ? _headerEndMatch + 1 : 0;

            var lower = (byte)(b | 0x20);
            _chunkedMatch = lower == ChunkedToken[_chunkedMatch] ? _chunkedMatch + 1 : (lower == ChunkedToken[0] ? 1 : 0);
            if (_chunkedMatch == ChunkedToken.Length)
            {
                _chunked = true;
                _chunkedMatch = 0;
            }

            if (_phase == Phase.Headers && _headerEndMatch == 4)
            {
                if (_status != 200)
                {
                    _run.OnRefused(_status);
                    _phase = Phase.Done;
                    return default;
                }

                _run.OnOpened();
                _phase = _chunked ? Phase.ChunkSize : Phase.Identity;
                return data[i..];
            }
        }

        return default;
    }

    private ReadOnlySpan<byte> ReadChunkFraming(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            var b = data[i++];
            switch (_phase)
            {
                case Phase.ChunkSize:
                    if (char.IsAsciiHexDigit((char)b))
                    {
                        _chunkRemaining = (_chunkRemaining << 4) + HexValue(b);
                    }
                    else
                    {
                        _phase = b == '\r' ? Phase.ChunkSizeLf : Phase.ChunkExtension;
                    }

                    break;
                case Phase.ChunkExtension:
                    if (b == '\r')
                    {
                        _phase = Phase.ChunkSizeLf;
                    }

                    break;
                case Phase.ChunkSizeLf:
                    if (_chunkRemaining == 0)
                    {
                        // The last chunk: the server ended the stream (for example at its maximum lifetime).
                        if (!_run.IsStopping)
                        {
                            _run.OnServerEnded();
                        }

                        _phase = Phase.Done;
                        return default;
                    }

                    _phase = Phase.ChunkData;
                    return data[i..];
                case Phase.ChunkDataCr:
                    _phase = Phase.ChunkDataLf;
                    break;
                case Phase.ChunkDataLf:
                    _phase = Phase.ChunkSize;
                    _chunkRemaining = 0;
                    break;
            }
        }

        return default;
    }

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>Scans SSE bytes: skips data lines with a vectorised search, reads only <c>id:</c> and <c>event:</c> lines.</summary>
    private void Scan(ReadOnlySpan<byte> data, long timestamp)
    {
        var i = 0;
        while (i < data.Length)
        {
            switch (_line)
            {
                case Line.Start:
                    var first = data[i++];
                    switch (first)
                    {
                        case (byte)'\n':
                            if (_inEvent)
                            {
                                Dispatch(timestamp);
                            }

                            break;
                        case (byte)'\r':
                            break;
                        case (byte)'i':
                            _line = Line.IdName;
                            _fieldMatch = 1;
                            _inEvent = true;
                            break;
                        case (byte)'e':
                            _line = Line.EventName;
                            _fieldMatch = 1;
                            _inEvent = true;
                            break;
                        case (byte)':':
                            // A comment: never dispatches an event on its own.
                            _line = Line.Skip;
                            break;
                        default:
                            _line = Line.Skip;
                            _inEvent = true;
                            break;
                    }

                    break;
                case Line.Skip:
                    var newline = data[i..].IndexOf((byte)'\n');
                    if (newline < 0)
                    {
                        return;
                    }

                    i += newline + 1;
                    _line = Line.Start;
                    break;
                case Line.IdName:
                case Line.EventName:
                    var field = _line == Line.IdName ? IdField : EventField;
                    var b = data[i++];
                    if (b == '\n')
                    {
                        _line = Line.Start;
                    }
                    else if (b != field[_fieldMatch])
                    {
                        _line = Line.Skip;
                    }
                    else if (++_fieldMatch == field.Length)
                    {
                        _valueStarted = false;
                        if (_line == Line.IdName)
                        {
                            _hash = FnvOffset;
                            _line = Line.IdValue;
                        }
                        else
                        {
                            _typeLength = 0;
                            _typeMayBeHeartbeat = true;
                            _typeMayBeNewItem = true;
                            _typeMayBeMetrics = true;
                            _line = Line.EventValue;
                        }
                    }

                    break;
                case Line.IdValue:
                    b = data[i++];
                    if (b == '\n')
                    {
                        _hasId = true;
                        _idHash = _hash;
                        _line = Line.Start;
                    }
                    else if (b != '\r' && (_valueStarted || b != ' '))
                    {
                        _valueStarted = true;
                        _hash = (_hash ^ b) * FnvPrime;
                    }
                    else
                    {
                        _valueStarted = true;
                    }

                    break;
                case Line.EventValue:
                    b = data[i++];
                    if (b == '\n')
                    {
                        _eventKind =
                            _typeMayBeHeartbeat && _typeLength == HeartbeatType.Length ? EventKind.Heartbeat :
                            _typeMayBeNewItem && _typeLength == NewItemType.Length ? EventKind.NewItem :
                            _typeMayBeMetrics && _typeLength == MetricsType.Length ? EventKind.Metrics :
                            EventKind.Other;
                        _line = Line.Start;
                    }
                    else if (b != '\r' && (_valueStarted || b != ' '))
                    {
                        _valueStarted = true;
                        _typeMayBeHeartbeat &= _typeLength < HeartbeatType.Length && HeartbeatType[_typeLength] == b;
                        _typeMayBeNewItem &= _typeLength < NewItemType.Length && NewItemType[_typeLength] == b;
                        _typeMayBeMetrics &= _typeLength < MetricsType.Length && MetricsType[_typeLength] == b;
                        _typeLength++;
                    }
                    else
                    {
                        _valueStarted = true;
                    }

                    break;
            }
        }
    }

    private void Dispatch(long timestamp)
    {
        if (_eventKind == EventKind.Heartbeat)
        {
            Heartbeats++;
        }
        else
        {
            Deliveries++;
            if (_eventKind == EventKind.NewItem)
            {
                NewItems++;
            }

            if (_hasId)
            {
                // Heartbeats are left out: their id is the last resume point, shared with a real event.
                _run.OnDelivered(_idHash, timestamp, _eventKind);
            }
        }

        _inEvent = false;
        _hasId = false;
        _eventKind = EventKind.Other;
    }
}
