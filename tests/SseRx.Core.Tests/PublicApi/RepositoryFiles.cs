namespace SseRx.Tests.PublicApi;

/// <summary>Finds files of the repository the tests were built from, for tests that compare code with checked-in text.</summary>
internal static class RepositoryFiles
{
    /// <summary>The repository root: the nearest directory above the test binaries that holds <c>SseRx.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    public static string PathOf(string relativePath) =>
        Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The file's text with line ends normalized to "\n", so a checkout with CRLF compares equal.</summary>
    public static string ReadText(string relativePath) =>
        File.ReadAllText(PathOf(relativePath)).ReplaceLineEndings("\n");

    private static string FindRoot()
    {
        // CallerFilePath is mapped to /_/ in deterministic CI builds, so walk up from the binaries instead.
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
