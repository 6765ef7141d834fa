using Microsoft.Extensions.Options;
using SseRx.Host.Auth;
using SseRx.Host.Configurations;
using SseRx.Host.Dashboard;
using SseRx.Host.Health;
using SseRx.Host.Hosting;
using SseRx.Host.Metrics;
using SseRx.Host.Observability;
using SseRx.Host.Streaming;

var builder = WebApplication.CreateBuilder(ContentRoot.BuilderOptions(args));
builder.Services.AddSseRxHost(builder.Configuration);
builder.Services.AddSseRxAuthentication(builder.Configuration);
builder.Services.AddSseRxRateLimiting(builder.Configuration);

var app = builder.Build();
var options = app.Services.GetRequiredService<IOptions<SseRxHostOptions>>().Value;

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseSecurityHeaders();
app.UseCors();
app.MapHealth();
app.MapObservability();
app.MapDashboardConfig();
if (options.ServesApi)
{
    app.UseDashboardFiles();
    app.MapMetrics();
    app.MapConfigurations();
}

if (options.ServesStreams)
{
    app.MapStreams();
}

app.Run();

/// <summary>The host's entry point; public so test fixtures can start it.</summary>
public partial class Program;
