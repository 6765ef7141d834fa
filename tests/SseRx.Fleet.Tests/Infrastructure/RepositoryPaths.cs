using SseRx.Testing;

namespace SseRx.Fleet.Tests.Infrastructure;

/// <summary>Files of the repository the tests use in place: the node client script (beside its node_modules) and the host's content root.</summary>
internal static class RepositoryPaths
{
    /// <summary>The directory that holds <c>SseRx.sln</c>, found upwards from the test's output directory.</summary>
    public static string Root => Repository.Root;

    /// <summary>The EventSource client script, in place so that node resolves <c>eventsource</c> from tests/node_modules.</summary>
    public static string ClientScript => Path.Combine(Root, "tests", "SseRx.Fleet.Tests", "eventsource-clients.mjs");

    /// <summary>The host project's directory: its <c>wwwroot</c> is the dashboard the api instance serves.</summary>
    public static string HostContentRoot => Path.Combine(Root, "src", "SseRx.Host");
}
