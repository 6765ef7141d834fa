using System.Collections.Concurrent;
using Amazon.Runtime;

namespace SseRx.DynamoDb.Tests.Infrastructure;

/// <summary>Counts the HTTP requests an SDK client really sends, per DynamoDB operation (the X-Amz-Target header).</summary>
public sealed class RequestCounter
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    public int this[string operation] => _counts.TryGetValue(operation, out var count) ? count : 0;

    public int Total => _counts.Values.Sum();

    public void Reset() => _counts.Clear();

    internal void Record(string operation) => _counts.AddOrUpdate(operation, 1, static (_, count) => count + 1);
}

/// <summary>Gives the SDK an HttpClient whose handler counts requests; one client, never disposed by the SDK.</summary>
internal sealed class CountingHttpClientFactory : HttpClientFactory
{
    private readonly HttpClient _client;

    public CountingHttpClientFactory(RequestCounter counter) =>
        _client = new HttpClient(new CountingHandler(counter) { InnerHandler = new SocketsHttpHandler() });

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client;

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;

    private sealed class CountingHandler(RequestCounter counter) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = request.Headers.TryGetValues("X-Amz-Target", out var values) ? values.First() : "unknown";
            counter.Record(target[(target.IndexOf('.', StringComparison.Ordinal) + 1)..]);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
