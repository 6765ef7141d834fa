using System.Text.RegularExpressions;
using PublicApiGenerator;

namespace SseRx.Tests.PublicApi;

/// <summary>
/// The public surface of SseRx.Core is deliberate: PublicApiGenerator renders it as C# and it is compared with the
/// checked-in <c>SseRx.Core.approved.txt</c>, so a change to it shows up in review instead of slipping out in a
/// package. And it is generic: no type, member or namespace of the package speaks of one application's domain.
/// </summary>
/// <remarks>
/// On a mismatch the test fails with a diff and writes <c>SseRx.Core.received.txt</c> next to the approved file.
/// To accept an intended change, run <c>SSERX_ACCEPT_API=1 dotnet test tests/SseRx.Core.Tests</c> and commit the
/// updated approved file with the change.
/// </remarks>
public sealed partial class PublicApiTests
{
    private const string ApprovedPath = "tests/SseRx.Core.Tests/PublicApi/SseRx.Core.approved.txt";
    private const string ReceivedPath = "tests/SseRx.Core.Tests/PublicApi/SseRx.Core.received.txt";

    private static readonly ApiGeneratorOptions Options = new()
    {
        // The assembly-level attributes (versions, InternalsVisibleTo, the target framework) are not API.
        ExcludeAttributes =
        [
            "System.Runtime.Versioning.TargetFrameworkAttribute",
            "System.Reflection.AssemblyMetadataAttribute",
            "System.Runtime.CompilerServices.InternalsVisibleToAttribute",
        ],
    };

    private static string Received { get; } = typeof(SseEvent).Assembly.GeneratePublicApi(Options).ReplaceLineEndings("\n");

    [Fact]
    public void Public_surface_matches_the_approved_listing()
    {
        var approvedFile = RepositoryFiles.PathOf(ApprovedPath);
        var receivedFile = RepositoryFiles.PathOf(ReceivedPath);

        if (Environment.GetEnvironmentVariable("SSERX_ACCEPT_API") == "1")
        {
            File.WriteAllText(approvedFile, Received);
            File.Delete(receivedFile);
            return;
        }

        var approved = File.Exists(approvedFile) ? RepositoryFiles.ReadText(ApprovedPath) : string.Empty;
        if (string.Equals(approved, Received, StringComparison.Ordinal))
        {
            File.Delete(receivedFile);
            return;
        }

        File.WriteAllText(receivedFile, Received);
        Assert.Fail(
            "The public API of SseRx.Core changed (- approved, + now). If intended, accept it with " +
            $"SSERX_ACCEPT_API=1 dotnet test tests/SseRx.Core.Tests and commit {ApprovedPath}; the full listing is in {ReceivedPath}.\n" +
            TextDiff.Lines(approved, Received));
    }

    [Fact]
    public void Public_surface_names_no_application_domain()
    {
        var hits = DomainWord().Matches(Received).Select(m => m.Value).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

        Assert.True(hits.Count == 0, $"The package's public API speaks of one application's domain: {string.Join(", ", hits)}.");
        Assert.Contains("namespace SseRx.AspNetCore", Received, StringComparison.Ordinal);
    }

    [Fact]
    public void Package_sources_and_docs_name_no_application_domain()
    {
        var root = RepositoryFiles.PathOf("src/SseRx.Core");
        var offending = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(path => path.EndsWith(".cs", StringComparison.Ordinal) || path.EndsWith(".md", StringComparison.Ordinal))
            .Where(path => !IsBuildOutput(Path.GetRelativePath(root, path)))
            .Select(path => (File: Path.GetRelativePath(root, path), Hits: DomainWord().Matches(File.ReadAllText(path)).Count))
            .Where(file => file.Hits > 0)
            .Select(file => $"{file.File} ({file.Hits})")
            .ToList();

        Assert.NotEmpty(Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories));
        Assert.True(offending.Count == 0, $"SseRx.Core files name the sentiment dashboard's domain: {string.Join(", ", offending)}.");
    }

    [Fact]
    public void The_domain_check_catches_the_words_it_is_for()
    {
        Assert.Equal(3, DomainWord().Matches("SentimentFeed, WhereTickers, ticker").Count);
        Assert.Empty(DomainWord().Matches("WhereTopics, topic, state key"));
    }

    [Fact]
    public void Diff_shows_removed_and_added_lines_with_context()
    {
        var diff = TextDiff.Lines("a\nb\nc\n", "a\nc\nd\n");

        Assert.Equal("  a\n- b\n  c\n+ d\n", diff);
        Assert.Empty(TextDiff.Lines("a\nb\n", "a\nb\n"));
    }

    private static bool IsBuildOutput(string relative)
    {
        var first = relative.Split(Path.DirectorySeparatorChar)[0];
        return first is "bin" or "obj";
    }

    // The sentiment dashboard is the host's application; the package knows topics and state keys, not its words.
    [GeneratedRegex("sentiment|ticker", RegexOptions.IgnoreCase)]
    private static partial Regex DomainWord();
}
