using System.Net;
using Microsoft.AspNetCore.Http;
using SseRx.Host.Hosting;

namespace SseRx.Host.Tests.Security;

/// <summary>What a request counts against for the per-client cap and the rate limit.</summary>
public sealed class ClientKeyTests
{
    [Fact]
    public void A_user_id_wins_over_the_address_and_cannot_pose_as_one()
    {
        var context = Request("10.0.0.5");

        Assert.Equal("user:10.0.0.5", ClientKey.For(context, userId: "10.0.0.5"));
        Assert.Equal("ip:10.0.0.5", ClientKey.For(context, userId: null));
    }

    [Fact]
    public void An_ipv4_mapped_address_is_the_same_client_as_its_ipv4_address()
    {
        Assert.Equal(ClientKey.For(Request("203.0.113.7"), null), ClientKey.For(Request("::ffff:203.0.113.7"), null));
    }

    [Fact]
    public void Ipv6_addresses_in_one_slash_64_are_one_client_and_other_prefixes_are_not()
    {
        var first = ClientKey.For(Request("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), null);

        Assert.Equal("ip:2001:db8:1:2::/64", first);
        Assert.Equal(first, ClientKey.For(Request("2001:db8:1:2::1"), null));
        Assert.NotEqual(first, ClientKey.For(Request("2001:db8:1:3::1"), null));
        Assert.Equal("ip:::1", ClientKey.For(Request("::1"), null));
    }

    [Fact]
    public void Without_an_identity_or_an_address_there_is_no_key()
    {
        Assert.Null(ClientKey.For(new DefaultHttpContext(), null));
    }

    private static DefaultHttpContext Request(string address)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        return context;
    }
}
