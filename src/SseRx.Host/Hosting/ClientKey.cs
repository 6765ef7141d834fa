using System.Net;
using System.Net.Sockets;

namespace SseRx.Host.Hosting;

/// <summary>
/// Who a stream request counts against, for the per-client stream cap and the connection rate limit: the caller's
/// user id when it has one, otherwise the remote IP address.
/// </summary>
/// <remarks>
/// <para>
/// An IPv6 client is keyed by its /64 prefix (what one subscriber is normally given), an IPv4-mapped IPv6 address
/// by its IPv4 address. The two kinds of key are prefixed (<c>user:</c>, <c>ip:</c>) so a user id that happens to look like an address
/// can never share, and so exhaust, that address's allowance.
/// </para>
/// <para>
/// Behind a load balancer or the Lambda Web Adapter the remote address is the proxy's, so every anonymous client
/// would share one key. Set <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c> there: ASP.NET Core then takes the
/// address from the last <c>X-Forwarded-For</c> entry (the one the proxy appended). Do that only when the host is
/// reachable through the proxy alone, or clients can pick their own key.
/// </para>
/// </remarks>
internal static class ClientKey
{
    /// <summary>
    /// The key for a request whose caller is <paramref name="userId"/> (from <c>UserIdentity.GetUserId</c>), or
    /// <see langword="null"/> when there is neither a user id nor a remote address (TestServer, Unix sockets): such
    /// requests are not counted per client. One small string per request; thread-safe.
    /// </summary>
    public static string? For(HttpContext context, string? userId)
    {
        if (userId is not null)
        {
            return "user:" + userId;
        }

        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            // One key per client whether it arrives over IPv4 or as an IPv4-mapped address on a dual-mode socket.
            return "ip:" + address.MapToIPv4();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6 && !IPAddress.IsLoopback(address))
        {
            // A single IPv6 subscriber is usually handed a whole /64: counting per address would let one client
            // rotate through 2^64 keys, so the /64 is the client.
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out _);
            bytes[8..].Clear();
            return "ip:" + new IPAddress(bytes) + "/64";
        }

        return "ip:" + address;
    }
}
