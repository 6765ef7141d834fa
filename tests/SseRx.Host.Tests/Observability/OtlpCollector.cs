using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace SseRx.Host.Tests.Observability;

/// <summary>One request the collector received.</summary>
public sealed record OtlpRequest(string Method, string Path, string? ContentType, byte[] Body);

/// <summary>
/// A stand-in OTLP/HTTP collector on a loopback port: an <see cref="HttpListener"/> that records every request and
/// answers 200 with an empty body (an empty ExportTraceServiceResponse is valid protobuf).
/// </summary>
/// <remarks>
/// Deliberately not an ASP.NET Core host: <c>WebApplicationFactory</c> picks up the next host built in the process
/// while it starts the app, so a host built here could be taken for another test's app.
/// </remarks>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly ConcurrentQueue<OtlpRequest> _requests = new();
    private readonly Task _loop;

    private OtlpCollector(HttpListener listener, Uri address)
    {
        _listener = listener;
        BaseAddress = address;
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The collector's base address, for example <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The requests received so far.</summary>
    public IReadOnlyList<OtlpRequest> Requests => [.. _requests];

    public static Task<OtlpCollector> StartAsync()
    {
        // HttpListener cannot pick a free port itself: take one from the OS, retrying if another process grabs it first.
        for (var attempt = 0; ; attempt++)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();

            var address = new Uri($"http://127.0.0.1:{port}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(address.ToString());
            try
            {
                listener.Start();
                return Task.FromResult(new OtlpCollector(listener, address));
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();

        // A pending GetContextAsync is not guaranteed to complete when the listener closes: never wait for it forever.
        await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _requests.Enqueue(new OtlpRequest(context.Request.HttpMethod, context.Request.Url!.AbsolutePath, context.Request.ContentType, body.ToArray()));
                context.Response.StatusCode = (int)HttpStatusCode.OK;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.ContentLength64 = 0;
                context.Response.Close();
            }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or IOException)
            {
                // The exporter gave up on this request, or the collector is closing.
            }
        }
    }
}
