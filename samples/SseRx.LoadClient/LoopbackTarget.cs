using System.Net;
using System.Text;

namespace SseRx.LoadClient;

/// <summary>
/// The one server this client may talk to: an http:// URL on the loopback interface (127.0.0.0/8, ::1 or
/// localhost). Anything else is refused before a socket is opened, so a typo can never aim load at another host.
/// </summary>
internal sealed class LoopbackTarget
{
    private LoopbackTarget(Uri url, IPEndPoint endPoint, byte[] request)
    {
        Url = url;
        EndPoint = endPoint;
        Request = request;
    }

    public Uri Url { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>The HTTP/1.1 GET every stream sends; built once and shared.</summary>
    public byte[] Request { get; }

    public static LoopbackTarget Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"'{text}' is not an http:// URL (TLS is not supported by the load client).");
        }

        IPAddress address;
        if (string.Equals(url.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // Resolved by hand rather than by DNS, so "localhost" can never map to anything but loopback.
            address = IPAddress.Loopback;
        }
        else if (!IPAddress.TryParse(url.Host.Trim('[', ']'), out address!) || !IPAddress.IsLoopback(address))
        {
            throw new ArgumentException(
                $"Refusing target host '{url.Host}': the load client only connects to 127.0.0.0/8, ::1 or localhost.");
        }

        var request = Encoding.ASCII.GetBytes(
            $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nAccept: text/event-stream\r\n" +
            "Cache-Control: no-cache\r\nUser-Agent: SseRx.LoadClient\r\n\r\n");
        return new LoopbackTarget(url, new IPEndPoint(address, url.Port), request);
    }

    /// <summary>
    /// The local address stream <paramref name="index"/> binds to. Streams are spread over 127.0.0.0/8,
    /// <paramref name="perSource"/> per address, so the ephemeral port range (about 28,000 ports per source
    /// address) never limits the stream count. <paramref name="salt"/> moves each run to fresh addresses.
    /// </summary>
    public IPAddress SourceFor(int index, int perSource, int salt)
    {
        if (EndPoint.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return IPAddress.IPv6Loopback;
        }

        var group = index / perSource;
        // 127.<salt>.<group / 250>.<1 + group % 250>: never .0 or .255 in the last octet.
        return new IPAddress([127, (byte)salt, (byte)(group / 250), (byte)(1 + (group % 250))]);
    }
}
