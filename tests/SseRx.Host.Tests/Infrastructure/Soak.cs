using System.Globalization;

namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// Sizes for the reliability tests: the fast form by default, the soak form when the environment variable
/// <c>SSERX_SOAK</c> is <c>1</c> (or <c>true</c>), e.g. <c>SSERX_SOAK=1 dotnet test tests/SseRx.Host.Tests --filter FullyQualifiedName~Reliability</c>.
/// </summary>
public static class Soak
{
    /// <summary>The environment variable that selects the soak sizes.</summary>
    public const string VariableName = "SSERX_SOAK";

    /// <summary>Whether the soak sizes are in force.</summary>
    public static bool Enabled { get; } =
        Environment.GetEnvironmentVariable(VariableName) is { } value &&
        (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>"fast" or "soak", for the figures a test prints.</summary>
    public static string Form => Enabled ? "soak" : "fast";

    /// <summary><paramref name="fast"/>, or <paramref name="soak"/> when <see cref="Enabled"/>.</summary>
    public static int Size(int fast, int soak) => Enabled ? soak : fast;

    /// <summary>Formats a byte count as MB with two decimals, for printed figures.</summary>
    public static string Megabytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("0.00", CultureInfo.InvariantCulture) + " MB";
}
