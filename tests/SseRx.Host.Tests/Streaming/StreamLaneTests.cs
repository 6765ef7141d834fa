using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Streaming;

/// <summary>
/// The stream endpoints run straight from routing, so no middleware stays on an open stream's stack; what the
/// middleware did for them (headers, CORS, rate limit, authentication, errors) is checked by the security, CORS and
/// abuse tests, which run against these same endpoints.
/// </summary>
public sealed class StreamLaneTests
{
    [Theory]
    [InlineData("Stream")]
    [InlineData("ConfigurationStream")]
    public async Task Stream_endpoints_are_short_circuited_past_the_middleware(string name)
    {
        await using var app = SseRxApp.Start();

        var endpoint = app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Single(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName == name);

        // ShortCircuit() adds the framework's (internal) ShortCircuitMetadata, which makes routing run the endpoint at once.
        Assert.Contains(endpoint.Metadata, m => m.GetType().FullName == "Microsoft.AspNetCore.Routing.ShortCircuit.ShortCircuitMetadata");
    }

    [Fact]
    public async Task A_stream_response_carries_the_security_headers_the_middleware_would_have_set()
    {
        await using var app = SseRxApp.Start();

        await using var stream = await app.OpenStreamAsync();

        var headers = stream.Response.Headers;
        Assert.Equal("nosniff", Assert.Single(headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(headers.GetValues("X-Frame-Options")));
        Assert.Contains("default-src 'self'", Assert.Single(headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }
}
