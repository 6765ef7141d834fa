using System.Text;

namespace SseRx.Tests.PublicApi;

/// <summary>A line diff (longest common subsequence) for readable failure messages.</summary>
internal static class TextDiff
{
    /// <summary>
    /// The lines that differ, "- " for lines only in <paramref name="expected"/> and "+ " for lines only in
    /// <paramref name="actual"/>, each with the line above it for context; empty when the texts are equal.
    /// </summary>
    public static string Lines(string expected, string actual)
    {
        var a = expected.Split('\n');
        var b = actual.Split('\n');

        // common[i, j] = length of the longest common subsequence of a[i..] and b[j..].
        var common = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                common[i, j] = string.Equals(a[i], b[j], StringComparison.Ordinal)
                    ? common[i + 1, j + 1] + 1
                    : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }

        var diff = new StringBuilder();
        string? context = null;
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && string.Equals(a[x], b[y], StringComparison.Ordinal))
            {
                context = a[x];
                x++;
                y++;
                continue;
            }

            if (context is not null)
            {
                diff.Append("  ").Append(context).Append('\n');
                context = null;
            }

            if (y < b.Length && (x == a.Length || common[x, y + 1] >= common[x + 1, y]))
            {
                diff.Append("+ ").Append(b[y++]).Append('\n');
            }
            else
            {
                diff.Append("- ").Append(a[x++]).Append('\n');
            }
        }

        return diff.ToString();
    }
}
