using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace SseRx.Tests.PublicApi;

/// <summary>
/// The documentation says what the code does: the READMEs' smallest app is the quickstart sample's <c>Program.cs</c> and
/// the pipeline tour is the library usage sample's code (the test command builds and runs both against the packed
/// package), there is one page per feature folder of the package, every page states the defaults the code has, and
/// every relative link points at a file that exists.
/// </summary>
public sealed partial class DocsTests
{
    private const string TourSample = "samples/SseRx.LibraryUsage/Program.cs";
    private const string SmallestApp = "samples/SseRx.Quickstart/Program.cs";
    private const string PackageFolder = "src/SseRx.Core";
    private const string DocsFolder = "src/SseRx.Core/docs";

    /// <summary>The page that is about a property of the whole package rather than one folder.</summary>
    private const string ResumeModel = "event-ids-and-resume.md";

    /// <summary>Pages about operators without options: no defaults table, and a sentence that says why.</summary>
    private static readonly Dictionary<string, string> PagesWithoutDefaults = new(StringComparer.Ordinal)
    {
        ["lifetime.md"] = "The lifetime is a required argument",
        ["sharing.md"] = "Neither operator has options",
        ["filtering.md"] = "`WhereTopics` has no options",
    };

    /// <summary>One page per feature folder of the package, named like the folder, and the resume model.</summary>
    private static readonly string[] Concepts =
    [
        .. Directory.GetDirectories(RepositoryFiles.PathOf(PackageFolder))
            .Select(Path.GetFileName)
            .Where(folder => folder is not ("bin" or "obj" or "docs"))
            .Select(folder => $"{folder!.ToLowerInvariant()}.md"),
        ResumeModel,
    ];

    private static readonly string[] ReadmeFiles = ["README.md", "src/SseRx.Core/README.md"];

    public static TheoryData<string> Readmes => [.. ReadmeFiles];

    public static TheoryData<string> ConceptPages => [.. Concepts.Select(page => $"{DocsFolder}/{page}")];

    public static TheoryData<string> Markdown => [.. ReadmeFiles, .. Concepts.Select(page => $"{DocsFolder}/{page}"), "CHANGELOG.md"];

    [Theory]
    [MemberData(nameof(Readmes))]
    public void Smallest_app_is_the_quickstart_sample_and_has_fewer_than_15_lines(string readme)
    {
        var program = RepositoryFiles.ReadText(SmallestApp).TrimEnd('\n');
        var block = Region(RepositoryFiles.ReadText(readme), "<!-- app:start -->", "<!-- app:end -->", readme);

        var fenced = block.Trim('\n').Split('\n');
        Assert.True(fenced.Length > 2 && fenced[0] == "```csharp" && fenced[^1] == "```", $"{readme}: the smallest app is one ```csharp block.");
        var code = string.Join('\n', fenced[1..^1]);

        Assert.True(program.Split('\n').Length < 15, $"{SmallestApp} has {program.Split('\n').Length} lines; the smallest app has fewer than 15.");
        Assert.True(
            code == program,
            $"{readme}'s smallest app differs from {SmallestApp} (- sample, + readme); copy the sample:\n" + TextDiff.Lines(program, code));
    }

    [Fact]
    public void Package_readme_opens_with_the_smallest_app()
    {
        var readme = RepositoryFiles.ReadText("src/SseRx.Core/README.md");
        var app = readme.IndexOf("<!-- app:start -->", StringComparison.Ordinal);
        var firstOtherCode = readme.IndexOf("```", StringComparison.Ordinal);

        Assert.True(app >= 0, "The package readme has no smallest app.");
        Assert.True(app < firstOtherCode, "The package readme shows other code before the smallest app.");
        Assert.True(app < readme.IndexOf("\n## ", readme.IndexOf("\n## ", StringComparison.Ordinal) + 1, StringComparison.Ordinal), "The smallest app is not in the readme's first section.");
    }

    [Theory]
    [MemberData(nameof(Readmes))]
    public void Library_tour_is_the_code_of_the_library_usage_sample(string readme)
    {
        var sample = Region(RepositoryFiles.ReadText(TourSample), "// tour:start", "// tour:end", readme: TourSample);
        var block = Region(RepositoryFiles.ReadText(readme), "<!-- tour:start -->", "<!-- tour:end -->", readme);

        var fenced = block.Trim('\n').Split('\n');
        Assert.True(fenced.Length > 2 && fenced[0] == "```csharp" && fenced[^1] == "```", $"{readme}: the tour is one ```csharp block.");
        var code = string.Join('\n', fenced[1..^1]);

        Assert.True(
            code == sample.Trim('\n'),
            $"{readme}'s library tour differs from {TourSample} between its tour markers (- sample, + readme); copy the sample's code:\n" +
            TextDiff.Lines(sample.Trim('\n'), code));
    }

    [Fact]
    public void There_is_a_page_for_each_feature_folder_and_the_package_readme_links_them_all()
    {
        var pages = Directory.GetFiles(RepositoryFiles.PathOf(DocsFolder), "*.md").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Contains("aspnetcore.md", Concepts);
        Assert.Contains("journal.md", Concepts);
        Assert.Equal(Concepts.Order(StringComparer.Ordinal), pages);

        var packageReadme = RepositoryFiles.ReadText("src/SseRx.Core/README.md");
        Assert.All(Concepts, page => Assert.Contains($"](docs/{page})", packageReadme, StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(ConceptPages))]
    public void Concept_page_states_the_defaults_the_code_has(string page)
    {
        var text = RepositoryFiles.ReadText(page);
        var rows = DefaultRow().Matches(text);
        if (PagesWithoutDefaults.TryGetValue(Path.GetFileName(page), out var why))
        {
            // Operators without options (WithMaxLifetime takes its lifetime as an argument): the page says so.
            Assert.Empty(rows);
            Assert.Contains(why, text, StringComparison.Ordinal);
            return;
        }

        Assert.NotEmpty(rows);

        foreach (Match row in rows)
        {
            var (typeName, memberName, stated) = (row.Groups["type"].Value, row.Groups["member"].Value, row.Groups["value"].Value.Trim());
            var actual = DefaultOf(typeName, memberName);
            Assert.True(
                Matches(actual, stated),
                $"{page}: `{typeName}.{memberName}` is documented as '{stated}' but the code's default is '{Describe(actual)}'.");
        }
    }

    [Theory]
    [MemberData(nameof(Markdown))]
    public void Relative_links_point_at_files_that_exist(string markdown)
    {
        var directory = Path.GetDirectoryName(RepositoryFiles.PathOf(markdown))!;
        var broken = Link().Matches(RepositoryFiles.ReadText(markdown))
            .Select(m => m.Groups["target"].Value)
            .Where(target => !target.Contains("://", StringComparison.Ordinal) && !target.StartsWith('#'))
            .Select(target => target.Split('#')[0])
            .Where(target => !File.Exists(Path.Combine(directory, target)) && !Directory.Exists(Path.Combine(directory, target)))
            .ToList();

        Assert.True(broken.Count == 0, $"{markdown} links to missing files: {string.Join(", ", broken)}");
    }

    /// <summary>The lines strictly between the marker lines, dedented by the indentation of the first marker.</summary>
    private static string Region(string text, string start, string end, string readme)
    {
        var lines = text.Split('\n');
        var from = Array.FindIndex(lines, l => l.Trim() == start);
        var to = Array.FindIndex(lines, l => l.Trim() == end);
        Assert.True(from >= 0 && to > from, $"{readme} has no '{start}' ... '{end}' region.");
        var indent = lines[from].Length - lines[from].TrimStart().Length;
        return string.Join('\n', lines[(from + 1)..to].Select(l => l.Length >= indent ? l[indent..] : l.TrimStart()));
    }

    private static object? DefaultOf(string typeName, string memberName)
    {
        var type = typeof(SseEvent).Assembly.GetExportedTypes().SingleOrDefault(t => t.Name.Split('`')[0] == typeName);
        Assert.True(type is not null, $"No public type {typeName} in SseRx.Core.");

        // Generic options (SseFeedOptions<TEntry>) are read closed over object: their defaults do not depend on it.
        if (type!.IsGenericTypeDefinition)
        {
            type = type.MakeGenericType([.. type.GetGenericArguments().Select(_ => typeof(object))]);
        }

        const BindingFlags flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static;
        var member = (MemberInfo?)type!.GetProperty(memberName, flags) ?? type.GetField(memberName, flags);
        Assert.True(member is not null, $"No public {typeName}.{memberName}.");

        var isStatic = member is PropertyInfo { GetMethod.IsStatic: true } or FieldInfo { IsStatic: true };
        var instance = isStatic ? null : Activator.CreateInstance(type);
        return member is PropertyInfo property ? property.GetValue(instance) : ((FieldInfo)member!).GetValue(instance);
    }

    /// <summary>Whether the page's wording (<c>5 s</c>, <c>15 min</c>, <c>1,000</c>, <c>none</c>, <c>a, b</c>) is the value.</summary>
    private static bool Matches(object? actual, string stated) => actual switch
    {
        null => stated == "none",
        string text => text == stated,
        Enum value => value.ToString() == stated,
        bool flag => (flag ? "true" : "false") == stated,
        TimeSpan duration => ParseDuration(stated) == duration,
        int number => int.TryParse(stated, NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var parsed) && parsed == number,
        double fraction => double.TryParse(stated, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed == fraction,
        IEnumerable<string> items => items.Order(StringComparer.Ordinal).SequenceEqual(
            stated.Split(',', StringSplitOptions.TrimEntries).Order(StringComparer.Ordinal)),
        _ => false,
    };

    private static TimeSpan? ParseDuration(string stated)
    {
        var parts = stated.Split(' ');
        if (parts.Length != 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
        {
            return null;
        }

        return parts[1] switch
        {
            "ms" => TimeSpan.FromMilliseconds(amount),
            "s" => TimeSpan.FromSeconds(amount),
            "min" => TimeSpan.FromMinutes(amount),
            "h" => TimeSpan.FromHours(amount),
            _ => null,
        };
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        string text => text,
        IEnumerable<string> items => string.Join(", ", items),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty,
    };

    // A defaults table row: | `Type.Member` | value |, the type possibly generic (`SseFeedOptions<TEntry>.RecentEntries`)
    [GeneratedRegex(@"^\|\s*`(?<type>[A-Za-z]+)(?:<[A-Za-z]+>)?\.(?<member>[A-Za-z]+)`\s*\|(?<value>[^|]+)\|\s*$", RegexOptions.Multiline)]
    private static partial Regex DefaultRow();

    // A markdown link or image target: ](target)
    [GeneratedRegex(@"\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();
}
