using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SseRx.Host.Hosting;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Hosting;

/// <summary>Settings are validated at start-up with messages that name the setting.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("PollInterval", "00:00:00", "SseRx:PollInterval")]
    [InlineData("MaxConnections", "0", "SseRx:MaxConnections")]
    [InlineData("MaxConnectionsPerClient", "0", "SseRx:MaxConnectionsPerClient")]
    [InlineData("Journal:Capacity", "0", "SseRx:Journal:Capacity")]
    [InlineData("ConsumerBufferMaxCapacity", "255", "SseRx:ConsumerBufferMaxCapacity")]
    [InlineData("RetryJitter", "-00:00:01", "SseRx:RetryJitter")]
    [InlineData("RetryJitter", "00:59:58", "SseRx:RetryJitter")]
    [InlineData("MaxStreamLifetimeJitter", "0.6", "SseRx:MaxStreamLifetimeJitter")]
    [InlineData("MaxStreamLifetimeJitter", "-0.1", "SseRx:MaxStreamLifetimeJitter")]
    [InlineData("Cors:AllowedOrigins:0", "https://dashboard.example.com/path", "SseRx:Cors:AllowedOrigins")]
    [InlineData("Dashboard:SseBaseUrl", "javascript:alert(1)", "SseRx:Dashboard:SseBaseUrl")]
    public void A_bad_setting_stops_start_up_naming_the_setting(string key, string value, string named)
    {
        var error = StartupValidation.Error(
            new Dictionary<string, string?> { [$"SseRx:{key}"] = value }, static (services, configuration) => services.AddSseRxHost(configuration));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_valid_and_match_the_settings_contract()
    {
        var options = new SseRxHostOptions();

        Assert.True(new SseRxHostOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(SseRxRole.All, options.Role);
        Assert.Equal(SseRxStoreKind.Memory, options.Store);
        Assert.Equal(TimeSpan.FromSeconds(5), options.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(30), options.HeartbeatInterval);
        Assert.Equal(100, options.MaxConnections);
        Assert.Equal(10, options.MaxConnectionsPerClient);
        Assert.Equal(new TimeSpan(0, 14, 30), options.MaxStreamLifetime);
        Assert.Equal(TimeSpan.FromSeconds(3), options.RetryInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), options.RetryJitter);
        Assert.Equal(0.1, options.MaxStreamLifetimeJitter);
        Assert.Equal(1024, options.ConsumerBufferCapacity);
        Assert.Null(options.ConsumerBufferMaxCapacity); // 4 x the capacity
        Assert.Equal(100, options.Journal.Capacity);
        Assert.Equal(TimeSpan.FromMinutes(5), options.Journal.MaxAge);
        Assert.True(options.Simulator.Enabled);
        Assert.Empty(options.Cors.AllowedOrigins);
        Assert.True(options.InlineSocketScheduling);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    [InlineData("true", true)]
    public void Kestrels_socket_transport_sends_inline_unless_the_setting_turns_it_off(string? value, bool inline)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["SseRx:InlineSocketScheduling"] = value })
            .Build();
        using var services = new ServiceCollection().AddLogging().AddSseRxHost(configuration).BuildServiceProvider();

        var sockets = services.GetRequiredService<IOptions<SocketTransportOptions>>().Value;

        Assert.Equal(inline, sockets.UnsafePreferInlineScheduling);
    }

    [Fact]
    public async Task The_dynamodb_store_fails_start_up_clearly_when_dynamodb_cannot_be_reached()
    {
        // Port 1 on loopback refuses connections: no AWS, no waiting. The table and credential cases are in SseRx.DynamoDb.Tests.
        var error = await Record.ExceptionAsync(async () =>
        {
            await using var app = SseRxApp.Start(new Dictionary<string, string?>
            {
                ["Store"] = "dynamodb",
                ["DynamoDb:ServiceUrl"] = "http://127.0.0.1:1",
            });
        });

        Assert.NotNull(error);
        Assert.Contains("Cannot reach DynamoDB at http://127.0.0.1:1 (region us-east-1)", Flatten(error), StringComparison.Ordinal);
    }

    /// <summary>Every message in <paramref name="error"/> and its inner exceptions, joined.</summary>
    internal static string Flatten(Exception error)
    {
        var messages = new List<string>();
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            messages.Add(e.Message);
            if (e is AggregateException aggregate)
            {
                messages.AddRange(aggregate.InnerExceptions.Select(Flatten));
            }
        }

        return string.Join(" | ", messages);
    }
}
