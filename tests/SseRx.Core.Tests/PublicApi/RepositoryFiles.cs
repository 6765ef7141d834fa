using SseRx.Testing;

namespace SseRx.Tests.PublicApi;

/// <summary>Finds files of the repository the tests were built from, for tests that compare code with checked-in text.</summary>
internal static class RepositoryFiles
{
    /// <summary>The repository root: the nearest directory above the test binaries that holds <c>SseRx.sln</c>.</summary>
    public static string Root => Repository.Root;

    public static string PathOf(string relativePath) =>
        Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>The file's text with line ends normalized to "\n", so a checkout with CRLF compares equal.</summary>
    public static string ReadText(string relativePath) =>
        File.ReadAllText(PathOf(relativePath)).ReplaceLineEndings("\n");
}
