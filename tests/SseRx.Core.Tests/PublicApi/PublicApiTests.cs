using System.Diagnostics.CodeAnalysis;

namespace SseRx.Tests.PublicApi;

/// <summary>
/// The public surface of SseRx.Core is deliberate: it is compared with the checked-in
/// <c>SseRx.Core.approved.txt</c>, so a change to it shows up in review instead of slipping out in a package.
/// </summary>
/// <remarks>
/// On a mismatch the test fails with a diff and writes <c>SseRx.Core.received.txt</c> next to the approved file.
/// To accept an intended change, run <c>SSERX_ACCEPT_API=1 dotnet test tests/SseRx.Core.Tests</c> and commit the
/// updated approved file with the change.
/// </remarks>
public sealed class PublicApiTests
{
    private const string ApprovedPath = "tests/SseRx.Core.Tests/PublicApi/SseRx.Core.approved.txt";
    private const string ReceivedPath = "tests/SseRx.Core.Tests/PublicApi/SseRx.Core.received.txt";

    [Fact]
    public void Public_surface_matches_the_approved_listing()
    {
        var received = PublicApiRenderer.Render(typeof(SseEvent).Assembly);
        var approvedFile = RepositoryFiles.PathOf(ApprovedPath);
        var receivedFile = RepositoryFiles.PathOf(ReceivedPath);

        if (Environment.GetEnvironmentVariable("SSERX_ACCEPT_API") == "1")
        {
            File.WriteAllText(approvedFile, received);
            File.Delete(receivedFile);
            return;
        }

        var approved = File.Exists(approvedFile) ? RepositoryFiles.ReadText(ApprovedPath) : string.Empty;
        if (string.Equals(approved, received, StringComparison.Ordinal))
        {
            File.Delete(receivedFile);
            return;
        }

        File.WriteAllText(receivedFile, received);
        Assert.Fail(
            "The public API of SseRx.Core changed (- approved, + now). If intended, accept it with " +
            $"SSERX_ACCEPT_API=1 dotnet test tests/SseRx.Core.Tests and commit {ApprovedPath}; the full listing is in {ReceivedPath}.\n" +
            TextDiff.Lines(approved, received));
    }

    [Fact]
    public void Renders_kinds_bases_signatures_nullability_modifiers_and_defaults()
    {
        var text = PublicApiRenderer.Render([typeof(Sample), typeof(SampleKind), typeof(ISample<>), typeof(SampleValue)]);

        var expected =
            """
            public interface SseRx.Tests.PublicApi.ISample<in T>
              method public abstract string? Describe(T value)
            public abstract class SseRx.Tests.PublicApi.Sample : SseRx.Tests.PublicApi.ISample<string>, System.IDisposable
              ctor protected Sample()
              event public System.EventHandler? Changed
              field public const string Name = "sample"
              field public static readonly System.TimeSpan Default
              method protected abstract void Dispose(bool disposing)
              method public bool TryGet(string key, [NotNullWhen(true)] out string? value)
              method public static System.IObservable<T?> Lift<T>(System.IObservable<T> source, System.Func<T?, T>? map = null, int count = 3) where T : class
              method public string? Describe(string value)
              method public virtual System.Threading.Tasks.ValueTask<System.Collections.Generic.IReadOnlyList<string?>?> ReadAsync(SseRx.Tests.PublicApi.SampleKind kind = (SseRx.Tests.PublicApi.SampleKind)2, System.Threading.CancellationToken cancellationToken = default)
              method public void Dispose()
              property public System.Func<int?, System.Collections.Generic.KeyValuePair<string, string?>[]?>? Convert { get; init; }
              property public int Count { get; protected set; }
              property public string? Label { get; set; }
            public enum SseRx.Tests.PublicApi.SampleKind : int
              None = 0
              Some = 2
            public readonly record struct SseRx.Tests.PublicApi.SampleValue : System.IEquatable<SseRx.Tests.PublicApi.SampleValue>
              ctor public SampleValue(int Count)
              method public bool Equals(SseRx.Tests.PublicApi.SampleValue other)
              method public override bool Equals(object obj)
              method public override int GetHashCode()
              method public override string ToString()
              method public static bool op_Equality(SseRx.Tests.PublicApi.SampleValue left, SseRx.Tests.PublicApi.SampleValue right)
              method public static bool op_Inequality(SseRx.Tests.PublicApi.SampleValue left, SseRx.Tests.PublicApi.SampleValue right)
              method public void Deconstruct(out int Count)
              property public int Count { get; init; }

            """.ReplaceLineEndings("\n");
        Assert.True(expected == text, TextDiff.Lines(expected, text));
    }

    [Fact]
    public void Leaves_out_internal_and_private_types_and_members()
    {
        var text = PublicApiRenderer.Render([typeof(Sample), typeof(Hidden)]);

        Assert.DoesNotContain("Hidden", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("InternalOnly", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_shows_removed_and_added_lines_with_context()
    {
        var diff = TextDiff.Lines("a\nb\nc\n", "a\nc\nd\n");

        Assert.Equal("  a\n- b\n  c\n+ d\n", diff);
        Assert.Empty(TextDiff.Lines("a\nb\n", "a\nb\n"));
    }
}

#pragma warning disable CA1040, CA1034, CA1716, CA1063, CA1816, CA1003, CA1805, SA1402 // Fixture types shaped to exercise the renderer.
public enum SampleKind
{
    None = 0,
    Some = 2,
}

public interface ISample<in T>
{
    string? Describe(T value);
}

public readonly record struct SampleValue(int Count);

public abstract class Sample : ISample<string>, IDisposable
{
    public const string Name = "sample";

    public static readonly TimeSpan Default = TimeSpan.FromSeconds(1);

    internal const int InternalOnly = 1;

    private int _secret;

    public event EventHandler? Changed;

    public int Count { get; protected set; }

    public string? Label { get; set; }

    public Func<int?, KeyValuePair<string, string?>[]?>? Convert { get; init; }

    internal int InternalOnlyProperty => _secret;

    public static IObservable<T?> Lift<T>(IObservable<T> source, Func<T?, T>? map = null, int count = 3)
        where T : class => throw new NotSupportedException();

    public bool TryGet(string key, [NotNullWhen(true)] out string? value)
    {
        value = key;
        _secret++;
        Changed?.Invoke(this, EventArgs.Empty);
        return true;
    }

    public string? Describe(string value) => value;

    public virtual ValueTask<IReadOnlyList<string?>?> ReadAsync(SampleKind kind = SampleKind.Some, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult<IReadOnlyList<string?>?>(null);

    public void Dispose() => Dispose(true);

    protected abstract void Dispose(bool disposing);

    private void Secret() => _secret--;

    internal sealed class Hidden;
}

internal sealed class Hidden;
#pragma warning restore CA1040, CA1034, CA1716, CA1063, CA1816, CA1003, CA1805, SA1402
