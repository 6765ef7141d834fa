namespace SseRx.Host.Hosting;

/// <summary>
/// Where the host finds <c>appsettings*.json</c> and <c>wwwroot</c>: the application's own directory, whatever the
/// working directory, unless the content root is set explicitly (<c>--contentRoot</c>, or the
/// <c>ASPNETCORE_CONTENTROOT</c> / <c>DOTNET_CONTENTROOT</c> variables, which test fixtures and tools use).
/// </summary>
/// <remarks>
/// ASP.NET Core's default is the working directory, which holds those files only when the process is started from the
/// publish folder: a Native AOT binary started from anywhere else (a service manager, a shell, a test) would run
/// without its settings and dashboard. Under <c>dotnet run</c> the application's directory is the build output, which
/// has the settings; in Development the dashboard files are served from the project through the static web assets
/// manifest there.
/// </remarks>
internal static class ContentRoot
{
    private const string SettingName = "contentRoot";

    /// <summary>The builder options for <paramref name="args"/>, with the content root decided as above.</summary>
    public static WebApplicationOptions BuilderOptions(string[] args) => new()
    {
        Args = args,
        ContentRootPath = IsExplicit(args, Environment.GetEnvironmentVariable) ? null : AppContext.BaseDirectory,
    };

    /// <summary>Whether the command line or the environment names a content root.</summary>
    internal static bool IsExplicit(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        foreach (var arg in args)
        {
            // The command-line configuration forms: --contentRoot x, --contentRoot=x, /contentRoot x, contentRoot=x.
            if (string.Equals(arg.Split('=', 2)[0].TrimStart('-', '/'), SettingName, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return !string.IsNullOrEmpty(environment("ASPNETCORE_CONTENTROOT")) || !string.IsNullOrEmpty(environment("DOTNET_CONTENTROOT"));
    }
}
