using System.Globalization;

namespace SseRx.Cdk;

/// <summary>
/// The environment of one host process (settings contract: section SseRx, environment form SseRx__Name),
/// built in one place for both targets.
/// </summary>
internal static class HostEnvironment
{
    /// <summary>The settings every deployment shares, for one role.</summary>
    /// <param name="role"><c>api</c>, <c>stream</c> or <c>all</c>.</param>
    /// <param name="maxConnections">Streams one process may serve.</param>
    /// <param name="lifetime">When a stream ends cleanly so the client resumes.</param>
    /// <param name="serviceName">The OpenTelemetry service name of the traces.</param>
    /// <param name="settings">The deployment settings.</param>
    /// <param name="tables">The tables the host reads.</param>
    public static Dictionary<string, string> For(
        string role, int maxConnections, TimeSpan lifetime, string serviceName, DeploymentSettings settings, SseRxTables tables)
    {
        var env = new Dictionary<string, string>
        {
            ["SseRx__Role"] = role,
            ["SseRx__PollInterval"] = Format(settings.PollInterval),
            ["SseRx__HeartbeatInterval"] = Format(settings.HeartbeatInterval),
            ["SseRx__MaxConnections"] = maxConnections.ToString(CultureInfo.InvariantCulture),
            ["SseRx__MaxStreamLifetime"] = Format(lifetime),
            ["ASPNETCORE_URLS"] = $"http://+:{DeploymentSettings.Port}",
            // Both targets sit behind a proxy (the Function URL front end, or the ALB) that appends the client's
            // address to X-Forwarded-For; without this every anonymous client would share the proxy's address
            // and with it one per-client stream cap.
            ["ASPNETCORE_FORWARDEDHEADERS_ENABLED"] = "true",
            // Traces go to the local ADOT collector (Lambda layer or Fargate sidecar), which forwards to X-Ray.
            ["OTEL_SERVICE_NAME"] = serviceName,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://localhost:4318",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        };
        if (settings.JwtAuthority is { } authority)
        {
            env["SseRx__Auth__Jwt__Authority"] = authority;
        }

        if (settings.JwtAudience is { } audience)
        {
            env["SseRx__Auth__Jwt__Audience"] = audience;
        }

        foreach (var (key, value) in tables.HostSettings())
        {
            env[key] = value;
        }

        return env;
    }

    /// <summary>A duration in the invariant constant format .NET configuration binds (<c>00:14:00</c>).</summary>
    public static string Format(TimeSpan value) => value.ToString("c", CultureInfo.InvariantCulture);
}
