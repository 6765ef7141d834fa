using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SseRx.Host.Tests.Observability;

/// <summary>One request the collector received.</summary>
public sealed record OtlpRequest(string Method, string Path, string? ContentType, byte[] Body);

/// <summary>
/// A stand-in OTLP/HTTP collector on a loopback port: a minimal Kestrel app that records every request and answers
/// 200 with an empty body (an empty ExportTraceServiceResponse is valid protobuf).
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<OtlpRequest> _requests;

    private OtlpCollector(WebApplication app, ConcurrentQueue<OtlpRequest> requests, Uri address)
    {
        _app = app;
        _requests = requests;
        BaseAddress = address;
    }

    /// <summary>The collector's base address, for example <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The requests received so far.</summary>
    public IReadOnlyList<OtlpRequest> Requests => [.. _requests];

    public static async Task<OtlpCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var requests = new ConcurrentQueue<OtlpRequest>();
        app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            requests.Enqueue(new OtlpRequest(context.Request.Method, context.Request.Path, context.Request.ContentType, body.ToArray()));
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/x-protobuf";
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new OtlpCollector(app, requests, new Uri(address));
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
