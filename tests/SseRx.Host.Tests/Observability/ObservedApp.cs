using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseRx.Host.Configurations;
using SseRx.Host.Observability;
using SseRx.Host.Tests.Infrastructure;

namespace SseRx.Host.Tests.Observability;

/// <summary>
/// Starts <see cref="SseRxApp"/> with its logs captured (<see cref="Logs"/>) and its EMF lines redirected to
/// <see cref="Emf"/>, for the observability tests. The EMF exporter, like every OpenTelemetry meter provider, reads
/// every <c>SseRx</c> meter in the process: tests that count metrics run in <see cref="MetricsCollection"/>.
/// </summary>
public sealed class ObservedApp : IAsyncDisposable
{
    private ObservedApp(SseRxApp app, CapturingLoggerProvider logs, LineCapture emf)
    {
        App = app;
        Logs = logs;
        Emf = emf;
    }

    public SseRxApp App { get; }

    public CapturingLoggerProvider Logs { get; }

    public LineCapture Emf { get; }

    /// <summary>The EMF lines written so far, each checked against the specification.</summary>
    public List<System.Text.Json.JsonElement> EmfDocuments => Emf.Lines.Select(EmfSpec.AssertValid).ToList();

    /// <param name="settings">Settings relative to the <c>SseRx</c> section.</param>
    /// <param name="kestrel">Serve on a loopback socket.</param>
    /// <param name="services">More service replacements.</param>
    /// <param name="logs">A provider to capture with (for example one that formats with the app's JSON formatter).</param>
    public static ObservedApp Start(
        IReadOnlyDictionary<string, string?>? settings = null,
        bool kestrel = false,
        Action<IServiceCollection>? services = null,
        Func<IServiceProvider, CapturingLoggerProvider>? logs = null)
    {
        var emf = new LineCapture();
        CapturingLoggerProvider? provider = null;
        var app = SseRxApp.Start(
            settings,
            kestrel,
            s =>
            {
                s.AddSingleton(new EmfOutput(emf));
                s.AddSingleton<ILoggerProvider>(sp => provider = logs?.Invoke(sp) ?? new CapturingLoggerProvider());
                services?.Invoke(s);
            });

        // The host resolved the logger factory, and with it the provider, while it started.
        _ = app.Services.GetRequiredService<ILoggerFactory>();
        return new ObservedApp(app, provider ?? throw new InvalidOperationException("The capturing logger provider was not created."), emf);
    }

    /// <summary>Creates a configuration owned by <paramref name="userId"/>.</summary>
    public Task<UserConfiguration> CreateConfigurationAsync(string userId, params string[] tickers) =>
        App.Services.GetRequiredService<IConfigurationStore>().CreateAsync(userId, "watch", tickers, CancellationToken.None);

    /// <summary>The EMF documents that carry metric <paramref name="name"/>.</summary>
    public List<System.Text.Json.JsonElement> Documents(string name) => EmfDocuments.Where(d => d.TryGetProperty(name, out _)).ToList();

    /// <summary>Every value of metric <paramref name="name"/> over all lines (a number is one value, an array its elements).</summary>
    public List<double> Values(string name) =>
        Documents(name).SelectMany(d => d.GetProperty(name) is { ValueKind: System.Text.Json.JsonValueKind.Array } values
            ? values.EnumerateArray().Select(v => v.GetDouble())
            : [d.GetProperty(name).GetDouble()]).ToList();

    /// <summary>The values of metric <paramref name="name"/> summed over all lines.</summary>
    public double Sum(string name) => Values(name).Sum();

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
