using SseRx.Configurations;
using SseRx.Host.Auth;
using SseRx.Host.Configurations;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddProblemDetails();
builder.Services.AddSseRxAuthentication(builder.Configuration);
if (string.Equals(builder.Configuration["SseRx:Store"] ?? "memory", "memory", StringComparison.OrdinalIgnoreCase))
{
    builder.Services.AddSingleton<IConfigurationStore>(_ => new InMemoryConfigurationStore());
}

var app = builder.Build();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapGet("/health", () => Results.Ok(new { status = "starting" }));
app.MapConfigurations();
app.Run();

/// <summary>The host's entry point; public so test fixtures can start it.</summary>
public partial class Program;
