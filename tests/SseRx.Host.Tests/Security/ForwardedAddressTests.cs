using SseRx.Host.Tests.Infrastructure;
using SseRx.Host.Tests.Reliability;

namespace SseRx.Host.Tests.Security;

/// <summary>
/// Behind a proxy (a load balancer, the Lambda Web Adapter) every connection comes from the proxy's address, so the
/// per-client limits need the client's address from <c>X-Forwarded-For</c>. ASP.NET Core's own switch,
/// <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED=true</c>, does that; without it the header is ignored. Real host process.
/// </summary>
public sealed class ForwardedAddressTests
{
    private static readonly Dictionary<string, string> OneStreamPerClient = new()
    {
        ["SseRx__MaxConnectionsPerClient"] = "1",
        ["SseRx__RateLimit__Enabled"] = "false",
        ["SseRx__Simulator__Enabled"] = "false",
    };

    [Fact]
    public async Task With_forwarded_headers_enabled_each_forwarded_client_is_counted_by_the_address_the_proxy_appended()
    {
        await using var host = await HostProcess.StartAsync(
            new Dictionary<string, string>(OneStreamPerClient) { ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true" },
            TimeSpan.FromSeconds(30));
        var open = new List<RawHttpConnection>();
        try
        {
            Assert.Equal(200, await StatusAsync(host, "203.0.113.1", open));
            Assert.Equal(429, await StatusAsync(host, "203.0.113.1", open));
            Assert.Equal(200, await StatusAsync(host, "203.0.113.2", open));

            // A client cannot pick its key by sending its own header first: the proxy's entry, the last, is the one used.
            Assert.Equal(429, await StatusAsync(host, "198.51.100.9, 203.0.113.2", open));
        }
        finally
        {
            foreach (var connection in open)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Without_the_switch_the_header_is_ignored_and_the_proxy_address_is_the_client()
    {
        await using var host = await HostProcess.StartAsync(OneStreamPerClient, TimeSpan.FromSeconds(30));
        var open = new List<RawHttpConnection>();
        try
        {
            Assert.Equal(200, await StatusAsync(host, "203.0.113.1", open));
            Assert.Equal(429, await StatusAsync(host, "203.0.113.2", open));
        }
        finally
        {
            foreach (var connection in open)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <summary>Opens a stream as if forwarded for <paramref name="forwardedFor"/>; keeps it open.</summary>
    private static async Task<int> StatusAsync(HostProcess host, string forwardedFor, List<RawHttpConnection> open)
    {
        using var timeout = new CancellationTokenSource(SseRxApp.Deadline);
        var connection = await RawHttpConnection.SendAsync(
            host.Endpoint,
            RawHttpConnection.Get("/api/v2/stream", host.Endpoint, ("Accept", "text/event-stream"), ("X-Forwarded-For", forwardedFor)),
            timeout.Token);
        open.Add(connection);
        return connection.StatusCode;
    }
}
