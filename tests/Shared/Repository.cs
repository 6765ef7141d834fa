using System.Diagnostics;

namespace SseRx.Testing;

/// <summary>
/// The checkout the tests were built from, and the <c>dotnet</c> CLI run in it. Linked into each test project that
/// reads checked-in files or builds part of the repository.
/// </summary>
internal static class Repository
{
    /// <summary>The repository root: the nearest directory above the test binaries that holds <c>SseRx.sln</c>.</summary>
    /// <remarks>Found from the binaries, not from CallerFilePath, which deterministic CI builds map to <c>/_/</c>.</remarks>
    public static string Root { get; } = FindRoot();

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> (and <c>--nologo</c>) in <paramref name="workingDirectory"/>.</summary>
    /// <exception cref="InvalidOperationException">It failed; the message holds its output.</exception>
    /// <exception cref="TimeoutException">It ran longer than five minutes.</exception>
    public static async Task DotnetAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments.Append("--nologo"))
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} failed ({process.ExitCode}):\n{await output}\n{await errors}");
        }
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SseRx.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No SseRx.sln above {AppContext.BaseDirectory}: run the tests from a checkout.");
    }
}
