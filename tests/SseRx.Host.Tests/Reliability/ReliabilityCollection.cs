namespace SseRx.Host.Tests.Reliability;

/// <summary>
/// The reliability tests run one at a time, after the parallel tests: they load the machine on purpose and measure
/// the process's managed memory, which other tests running alongside would distort.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ReliabilityCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Reliability";
}
