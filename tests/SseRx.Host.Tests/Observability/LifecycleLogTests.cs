using System.Net;
using System.Reactive.Linq;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseRx.Host.Configurations;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Observability;

/// <summary>The connection lifecycle logs: opened, closed, faulted, rejected, at Information, with structured properties.</summary>
public sealed class LifecycleLogTests
{
    private const string HandlerCategory = "SseRx.Host.Observability.StreamTelemetry";

    private static readonly Dictionary<string, string?> QuietHeartbeat = new() { ["HeartbeatInterval"] = "01:00:00" };

    private static Dictionary<string, string> As(string userId) => new() { ["X-User-ID"] = userId };

    [Fact]
    public async Task A_stream_that_reaches_its_lifetime_logs_opened_then_closed_with_exact_events_sent()
    {
        // No lifetime jitter: the logged duration is checked against the lifetime itself.
        await using var app = ObservedApp.Start(new Dictionary<string, string?> { ["MaxStreamLifetime"] = "00:00:01.500", ["MaxStreamLifetimeJitter"] = "0" });
        await using var stream = await app.App.OpenStreamAsync(headers: As("alice"));
        await stream.NextOfTypeAsync(SentimentEventTypes.Metrics);
        app.App.AddItem();
        await stream.ReadToEndAsync();

        var closed = await SingleAsync(app, "StreamClosed");
        var opened = Assert.Single(app.Logs.Named("StreamOpened"));

        Assert.Equal(HandlerCategory, opened.Category);
        Assert.Equal(LogLevel.Information, opened.Level);
        Assert.Equal(100, opened.EventId.Id);
        Assert.Equal("global", opened["StreamKind"]);
        Assert.Equal("alice", opened["UserId"]);
        Assert.False(string.IsNullOrEmpty(opened["ConnectionId"] as string));

        Assert.Equal(LogLevel.Information, closed.Level);
        Assert.Equal(opened["ConnectionId"], closed["ConnectionId"]);
        Assert.Equal("Completed", closed["EndReason"]);
        Assert.Equal("global", closed["StreamKind"]);
        Assert.Equal("alice", closed["UserId"]);
        Assert.Equal((long)stream.Received.Count, closed["EventsSent"]);
        var duration = Assert.IsType<double>(closed["DurationMs"]);
        Assert.InRange(duration, 1400, 10_000);
    }

    [Fact]
    public async Task A_vanished_client_is_logged_closed_as_client_gone_without_a_user_when_anonymous()
    {
        await using var app = ObservedApp.Start(QuietHeartbeat, kestrel: true);
        var stream = await app.App.OpenStreamAsync(client: app.App.NewClient());
        await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
        await stream.DisposeAsync();

        var closed = await SingleAsync(app, "StreamClosed");

        Assert.Equal("ClientGone", closed["EndReason"]);
        Assert.Null(closed["UserId"]);
        Assert.True((long)closed["EventsSent"]! >= 1, "the heartbeat at connect was counted");
    }

    [Fact]
    public async Task A_client_that_falls_behind_is_logged_closed_as_a_slow_consumer_at_warning()
    {
        await using var app = ObservedApp.Start(new Dictionary<string, string?>(QuietHeartbeat) { ["ConsumerBufferCapacity"] = "16" });
        await using var slow = await app.App.OpenStreamAsync(headers: As("hank"));
        await slow.NextOfTypeAsync(SentimentEventTypes.Metrics);

        // One poll delivers far more than the client's buffer holds while it reads nothing.
        for (var i = 0; i < 2000; i++)
        {
            app.App.AddItem();
        }

        var dropped = await SingleAsync(app, "StreamClosed");
        Assert.Equal(LogLevel.Warning, dropped.Level);
        Assert.Equal(101, dropped.EventId.Id);
        Assert.Equal("SlowConsumer", dropped["EndReason"]);
        Assert.Equal("hank", dropped["UserId"]);
        Assert.Contains("closed (SlowConsumer)", dropped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_stream_logs_its_kind()
    {
        await using var app = ObservedApp.Start(QuietHeartbeat);
        var configuration = await app.CreateConfigurationAsync("bob", "AAPL");

        await using (var stream = await app.App.OpenStreamAsync($"/api/v2/configurations/{configuration.Id}/stream", headers: As("bob")))
        {
            Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
            await stream.NextOfTypeAsync(SseEventTypes.Heartbeat);
        }

        var closed = await SingleAsync(app, "StreamClosed");
        Assert.Equal("configuration", Assert.Single(app.Logs.Named("StreamOpened"))["StreamKind"]);
        Assert.Equal("configuration", closed["StreamKind"]);
        Assert.Equal("bob", closed["UserId"]);
    }

    [Fact]
    public async Task A_refused_stream_logs_rejected_with_the_status_and_the_refusal_reason()
    {
        await using var app = ObservedApp.Start(
            new Dictionary<string, string?>(QuietHeartbeat) { ["MaxConnections"] = "2", ["MaxConnectionsPerClient"] = "1" });
        await using var first = await app.App.OpenStreamAsync(headers: As("carol"));
        await using var sameClient = await app.App.OpenStreamAsync(headers: As("carol"));
        await using var second = await app.App.OpenStreamAsync(headers: As("dave"));
        await using var overLimit = await app.App.OpenStreamAsync(headers: As("erin"));

        Assert.Equal(HttpStatusCode.TooManyRequests, sameClient.Response.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, overLimit.Response.StatusCode);
        var rejected = app.Logs.Named("StreamRejected");
        Assert.Equal(2, rejected.Count);
        Assert.All(rejected, r => Assert.Equal(LogLevel.Information, r.Level));
        Assert.All(rejected, r => Assert.Equal("global", r["StreamKind"]));
        var byUser = rejected.ToDictionary(r => (string)r["UserId"]!);
        Assert.Equal("ClientLimit", byUser["carol"]["RefusalReason"]);
        Assert.Equal(429, byUser["carol"]["StatusCode"]);
        Assert.Equal("ProcessLimit", byUser["erin"]["RefusalReason"]);
        Assert.Equal(503, byUser["erin"]["StatusCode"]);
        Assert.Equal("user:erin", byUser["erin"]["ClientKey"]);
        Assert.Equal(2, app.Logs.Named("StreamOpened").Count);
    }

    [Fact]
    public async Task A_stream_request_refused_by_the_rate_limit_logs_rejected()
    {
        await using var app = ObservedApp.Start(
            new Dictionary<string, string?>(QuietHeartbeat) { ["RateLimit:Enabled"] = "true", ["RateLimit:PermitsPerWindow"] = "1", ["RateLimit:Window"] = "00:10:00" },
            kestrel: true);
        var configuration = await app.CreateConfigurationAsync("gina", "AAPL");
        var client = app.App.NewClient();
        await using var admitted = await app.App.OpenStreamAsync(headers: As("gina"), client: client);
        await using var limited = await app.App.OpenStreamAsync($"/api/v2/configurations/{configuration.Id}/stream", headers: As("gina"), client: client);

        Assert.Equal(HttpStatusCode.OK, admitted.Response.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.Response.StatusCode);
        var rejected = Assert.Single(app.Logs.Named("StreamRejected"));
        Assert.Equal("RateLimit", rejected["RefusalReason"]);
        Assert.Equal(429, rejected["StatusCode"]);
        Assert.Equal("configuration", rejected["StreamKind"]);
        Assert.Equal("gina", rejected["UserId"]);
    }

    [Fact]
    public async Task A_stream_whose_pipeline_fails_logs_faulted_with_the_error()
    {
        var failure = new InvalidOperationException("the configuration feed broke");
        await using var app = ObservedApp.Start(
            QuietHeartbeat,
            services: s => s.AddSingleton<IConfigurationStore>(sp => new BrokenWatchStore(new InMemoryConfigurationStore(TimeProvider.System), failure)));
        var configuration = await app.CreateConfigurationAsync("frank", "AAPL");

        await using var stream = await app.App.OpenStreamAsync($"/api/v2/configurations/{configuration.Id}/stream", headers: As("frank"));
        await stream.ReadToEndAsync();

        var faulted = await SingleAsync(app, "StreamFaulted");
        Assert.Equal(LogLevel.Error, faulted.Level);
        Assert.Equal("Faulted", faulted["EndReason"]);
        Assert.Equal("configuration", faulted["StreamKind"]);
        Assert.Same(failure, faulted.Exception);
        Assert.Empty(app.Logs.Named("StreamClosed"));
    }

    private static async Task<CapturedLog> SingleAsync(ObservedApp app, string eventName)
    {
        await Eventually.TrueAsync(() => app.Logs.Named(eventName).Count > 0, $"{eventName} was logged");
        return Assert.Single(app.Logs.Named(eventName));
    }

    /// <summary>A configuration store whose watch fails, so a configuration stream's pipeline errors.</summary>
    private sealed class BrokenWatchStore(IConfigurationStore inner, Exception failure) : IConfigurationStore
    {
        public Task<UserConfiguration?> GetAsync(string ownerId, string id, CancellationToken cancellationToken) =>
            inner.GetAsync(ownerId, id, cancellationToken);

        public Task<IReadOnlyList<UserConfiguration>> ListAsync(string ownerId, CancellationToken cancellationToken) =>
            inner.ListAsync(ownerId, cancellationToken);

        public Task<UserConfiguration> CreateAsync(string ownerId, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken) =>
            inner.CreateAsync(ownerId, name, tickers, cancellationToken);

        public Task<UserConfiguration?> UpdateAsync(
            string ownerId, string id, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken) =>
            inner.UpdateAsync(ownerId, id, name, tickers, cancellationToken);

        public Task<bool> DeleteAsync(string ownerId, string id, CancellationToken cancellationToken) =>
            inner.DeleteAsync(ownerId, id, cancellationToken);

        public IObservable<UserConfiguration?> Watch(string ownerId, string id) => Observable.Throw<UserConfiguration?>(failure);
    }
}
