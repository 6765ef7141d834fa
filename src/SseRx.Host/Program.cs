var builder = WebApplication.CreateBuilder(args);
var app = builder.Build();
app.MapGet("/health", () => Results.Ok(new { status = "starting" }));
app.Run();

/// <summary>The host's entry point; public so test fixtures can start it.</summary>
public partial class Program;
