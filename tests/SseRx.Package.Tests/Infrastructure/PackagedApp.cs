using System.Reflection;
using System.Security.Cryptography;
using SseRx.Testing;

namespace SseRx.Package.Tests.Infrastructure;

/// <summary>The tests that start the packaged app; they run one after another, so no two compete for the two cores.</summary>
[CollectionDefinition(Name)]
public sealed class PackagedAppCollection : ICollectionFixture<PackagedApp>
{
    public const string Name = "Packaged app";
}

/// <summary>
/// The app in <c>App/</c>, built against the packed SseRx.Core as <c>tests/run.sh</c> builds the samples: the package in
/// <c>artifacts/packages</c> (packed here when it is missing or older than the library's sources), restored into
/// <c>artifacts/sample-packages</c> (where a copy restored from an earlier pack of the same version is deleted first),
/// then <c>dotnet build</c>. tests/run.sh builds the app right after packing and names it in <c>SSERX_PACKAGE_APP</c>,
/// so that no compile competes with the other test assemblies for the cores.
/// </summary>
public sealed class PackagedApp : IAsyncLifetime
{
    /// <summary>The app's built assembly.</summary>
    public string AppAssembly { get; private set; } = string.Empty;

    /// <summary>The app's project directory, its content root.</summary>
    public string ProjectDirectory { get; private set; } = string.Empty;

    /// <summary>Starts the app on a free loopback port with <paramref name="arguments"/> (e.g. <c>--SseRx:MaxConnections=2</c>).</summary>
    public Task<AppProcess> StartAsync(params string[] arguments) => AppProcess.StartAsync(this, arguments);

    public async Task InitializeAsync()
    {
        var root = Repository.Root;
        ProjectDirectory = Path.Combine(root, "tests", "SseRx.Package.Tests", "App");
        if (Environment.GetEnvironmentVariable("SSERX_PACKAGE_APP") is { Length: > 0 } built)
        {
            AppAssembly = File.Exists(built) ? Path.GetFullPath(built) : throw new FileNotFoundException("SSERX_PACKAGE_APP names no file.", built);
            return;
        }

        // This assembly is versioned by the same Directory.Build.props as the package (InformationalVersion adds "+commit").
        var version = typeof(PackagedApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
        var package = Path.Combine(root, "artifacts", "packages", $"SseRx.Core.{version}.nupkg");
        if (!File.Exists(package) || File.GetLastWriteTimeUtc(package) < LastWrite(Path.Combine(root, "src", "SseRx.Core")))
        {
            await Repository.DotnetAsync(root, "pack", "src/SseRx.Core/SseRx.Core.csproj", "-c", "Release", "-o", "artifacts/packages");
        }

        // A re-pack keeps the version, so a copy restored from an earlier pack would be used instead of this one.
        var restored = Path.Combine(root, "artifacts", "sample-packages", "sserx.core", version);
        if (Directory.Exists(restored) && !IsRestoredFrom(restored, package))
        {
            Directory.Delete(restored, recursive: true);
        }

        await Repository.DotnetAsync(root, "build", ProjectDirectory, "-c", "Release");
        AppAssembly = Path.Combine(ProjectDirectory, "bin", "Release", "net10.0", "SseRx.Package.App.dll");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The latest write to a source file under <paramref name="directory"/> (build outputs excluded).</summary>
    private static DateTime LastWrite(string directory) =>
        Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(file => Path.GetRelativePath(directory, file).Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj"))
            .Max(File.GetLastWriteTimeUtc);

    /// <summary>Whether NuGet restored <paramref name="restored"/> from this very file (it records the package's SHA-512).</summary>
    private static bool IsRestoredFrom(string restored, string package)
    {
        var hashFile = Directory.GetFiles(restored, "*.nupkg.sha512").SingleOrDefault();
        return hashFile is not null &&
            File.ReadAllText(hashFile).Trim() == Convert.ToBase64String(SHA512.HashData(File.ReadAllBytes(package)));
    }
}
