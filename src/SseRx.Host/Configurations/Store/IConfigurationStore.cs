namespace SseRx.Host.Configurations;

/// <summary>
/// Owner-scoped storage of <see cref="UserConfiguration"/>s: the in-memory store or DynamoDB.
/// </summary>
/// <remarks>
/// Every call is scoped by <c>ownerId</c>: a configuration that exists but belongs to another owner is
/// reported exactly like one that does not exist, so callers cannot leak existence. Implementations are
/// thread-safe. Inputs are validated by the caller (the REST API); stores persist them as given.
/// </remarks>
public interface IConfigurationStore
{
    /// <summary>The configuration, or <see langword="null"/> if it does not exist or is not <paramref name="ownerId"/>'s.</summary>
    Task<UserConfiguration?> GetAsync(string ownerId, string id, CancellationToken cancellationToken);

    /// <summary>The owner's configurations, oldest first.</summary>
    Task<IReadOnlyList<UserConfiguration>> ListAsync(string ownerId, CancellationToken cancellationToken);

    /// <summary>Creates a configuration with a new id.</summary>
    Task<UserConfiguration> CreateAsync(string ownerId, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken);

    /// <summary>Replaces name and tickers; <see langword="null"/> if it does not exist or is not the owner's.</summary>
    Task<UserConfiguration?> UpdateAsync(string ownerId, string id, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken);

    /// <summary>Deletes it; <see langword="false"/> if it does not exist or is not the owner's.</summary>
    Task<bool> DeleteAsync(string ownerId, string id, CancellationToken cancellationToken);

    /// <summary>
    /// The configuration now and after every change: emits the current value at subscription, then each
    /// change (on any process, for a shared store: within one poll interval), then <see langword="null"/> if it is deleted.
    /// Streams use it to apply an edited ticker list without a reconnect.
    /// </summary>
    /// <remarks>Disposing the subscription stops watching and releases what the store kept for it.</remarks>
    IObservable<UserConfiguration?> Watch(string ownerId, string id);
}
