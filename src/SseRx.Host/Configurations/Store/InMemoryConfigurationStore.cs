using System.Buffers.Text;
using System.Collections.Immutable;
using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Security.Cryptography;

namespace SseRx.Host.Configurations;

/// <summary>
/// An in-process <see cref="IConfigurationStore"/>: the embedded default that SseRx runs on with no AWS.
/// Its contents live as long as the instance (nothing is persisted).
/// </summary>
/// <remarks>
/// <para>
/// Thread-safe. Owner-scoped as <see cref="IConfigurationStore"/> requires: another owner's configuration is
/// reported exactly like a missing one. Ids are 22-character base64url strings of 16 random bytes (opaque; unlike
/// event ids they are not cursors, so random is what they should be). Tickers are stored as an immutable copy of
/// what the caller passed. Timestamps come from the <see cref="TimeProvider"/> given at construction (UTC).
/// </para>
/// <para>
/// <see cref="Watch"/> keeps state only for configurations that have at least one subscriber, and drops it when the
/// last one leaves or the configuration is deleted, so memory is bounded by what is stored plus what is watched.
/// Watchers are called synchronously, in the order of the changes, on the thread that made the change (or the
/// one already delivering to that configuration), never under the store's lock.
/// </para>
/// </remarks>
public sealed class InMemoryConfigurationStore : IConfigurationStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _timeProvider;
    private readonly Dictionary<string, UserConfiguration> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _idsByOwner = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ConfigurationWatch> _watches = new(StringComparer.Ordinal);

    /// <summary>Creates an empty store that takes time from <see cref="TimeProvider.System"/>.</summary>
    public InMemoryConfigurationStore()
        : this(TimeProvider.System)
    {
    }

    /// <summary>Creates an empty store that takes <see cref="UserConfiguration.CreatedAt"/> and <see cref="UserConfiguration.UpdatedAt"/> from <paramref name="timeProvider"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="timeProvider"/> is <see langword="null"/>.</exception>
    public InMemoryConfigurationStore(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>Configurations held, all owners together.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <summary>Configurations that currently have watch state (at least one subscriber); for leak tests.</summary>
    internal int WatchedCount
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>Completes synchronously.</remarks>
    public Task<UserConfiguration?> GetAsync(string ownerId, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(id);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<UserConfiguration?>(cancellationToken);
        }

        lock (_gate)
        {
            return Task.FromResult(FindOwned(ownerId, id));
        }
    }

    /// <inheritdoc />
    /// <remarks>Completes synchronously with a snapshot: later changes do not alter the returned list.</remarks>
    public Task<IReadOnlyList<UserConfiguration>> ListAsync(string ownerId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<UserConfiguration>>(cancellationToken);
        }

        lock (_gate)
        {
            if (!_idsByOwner.TryGetValue(ownerId, out var ids))
            {
                return Task.FromResult<IReadOnlyList<UserConfiguration>>([]);
            }

            var result = new UserConfiguration[ids.Count];
            for (var i = 0; i < ids.Count; i++)
            {
                result[i] = _byId[ids[i]];
            }

            return Task.FromResult<IReadOnlyList<UserConfiguration>>(result);
        }
    }

    /// <inheritdoc />
    /// <remarks>Completes synchronously. <see cref="UserConfiguration.CreatedAt"/> and <see cref="UserConfiguration.UpdatedAt"/> are both now.</remarks>
    public Task<UserConfiguration> CreateAsync(string ownerId, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tickers);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<UserConfiguration>(cancellationToken);
        }

        var copy = ImmutableArray.CreateRange(tickers);
        lock (_gate)
        {
            string id;
            do
            {
                id = NewId();
            }
            while (_byId.ContainsKey(id));

            var now = _timeProvider.GetUtcNow();
            var created = new UserConfiguration(id, ownerId, name, copy, now, now);
            _byId.Add(id, created);
            if (!_idsByOwner.TryGetValue(ownerId, out var ids))
            {
                ids = [];
                _idsByOwner.Add(ownerId, ids);
            }

            ids.Add(id);
            return Task.FromResult(created);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Completes once the change is stored and delivered to this configuration's watchers (unless another thread is
    /// already delivering to them, in which case that thread delivers it next). Every update is reported to watchers,
    /// even one that changes nothing but <see cref="UserConfiguration.UpdatedAt"/>. If a watcher throws, the others
    /// still receive the change, the change stays stored, and the returned task faults with the watcher's exception.
    /// </remarks>
    public Task<UserConfiguration?> UpdateAsync(string ownerId, string id, string name, IReadOnlyList<string> tickers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tickers);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<UserConfiguration?>(cancellationToken);
        }

        var copy = ImmutableArray.CreateRange(tickers);
        UserConfiguration updated;
        ConfigurationWatch? toDrain = null;
        lock (_gate)
        {
            var existing = FindOwned(ownerId, id);
            if (existing is null)
            {
                return Task.FromResult<UserConfiguration?>(null);
            }

            updated = existing with { Name = name, Tickers = copy, UpdatedAt = _timeProvider.GetUtcNow() };
            _byId[id] = updated;
            if (_watches.TryGetValue(id, out var watch))
            {
                watch.Enqueue(updated);
                toDrain = watch.TryBeginDrain() ? watch : null;
            }
        }

        return Notify(toDrain) is { } failure ? Task.FromException<UserConfiguration?>(failure) : Task.FromResult<UserConfiguration?>(updated);
    }

    /// <inheritdoc />
    /// <remarks>Completes synchronously; watchers of the configuration receive <see langword="null"/> and complete.</remarks>
    public Task<bool> DeleteAsync(string ownerId, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(id);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<bool>(cancellationToken);
        }

        ConfigurationWatch? toDrain = null;
        lock (_gate)
        {
            if (FindOwned(ownerId, id) is null)
            {
                return Task.FromResult(false);
            }

            _byId.Remove(id);
            var ids = _idsByOwner[ownerId];
            ids.Remove(id);
            if (ids.Count == 0)
            {
                _idsByOwner.Remove(ownerId);
            }

            if (_watches.Remove(id, out var watch))
            {
                watch.Enqueue(null);
                toDrain = watch.TryBeginDrain() ? watch : null;
            }
        }

        return Notify(toDrain) is { } failure ? Task.FromException<bool>(failure) : Task.FromResult(true);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Cold: each subscription reads the current value when it subscribes. When the configuration is missing or is
    /// another owner's, the sequence is a single <see langword="null"/> followed by completion (ids are never
    /// reused, so it cannot appear later). Disposing the subscription stops delivery and releases its watch state.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="ownerId"/> or <paramref name="id"/> is <see langword="null"/>.</exception>
    public IObservable<UserConfiguration?> Watch(string ownerId, string id)
    {
        ArgumentNullException.ThrowIfNull(ownerId);
        ArgumentNullException.ThrowIfNull(id);
        return Observable.Create<UserConfiguration?>(observer => Subscribe(ownerId, id, observer));
    }

    private IDisposable Subscribe(string ownerId, string id, IObserver<UserConfiguration?> observer)
    {
        ConfigurationWatch? watch = null;
        ConfigurationWatch.Watcher? watcher = null;
        var drain = false;
        lock (_gate)
        {
            var current = FindOwned(ownerId, id);
            if (current is not null)
            {
                if (!_watches.TryGetValue(id, out watch))
                {
                    watch = new ConfigurationWatch(_gate);
                    _watches.Add(id, watch);
                }

                watcher = watch.Add(observer, current);
                drain = watch.TryBeginDrain();
            }
        }

        if (watch is null || watcher is null)
        {
            observer.OnNext(null);
            observer.OnCompleted();
            return Disposable.Empty;
        }

        if (drain)
        {
            try
            {
                watch.Drain();
            }
            catch
            {
                // The caller never gets a disposable to release the watch with, so release it here.
                Unsubscribe(id, watch, watcher);
                throw;
            }
        }

        return Disposable.Create(() => Unsubscribe(id, watch, watcher));
    }

    private void Unsubscribe(string id, ConfigurationWatch watch, ConfigurationWatch.Watcher watcher)
    {
        lock (_gate)
        {
            watch.Remove(watcher);
            // The watch may already be gone (deleted) or replaced by a newer one; only drop the one we belong to.
            if (watch.IsEmpty && _watches.TryGetValue(id, out var registered) && ReferenceEquals(registered, watch))
            {
                _watches.Remove(id);
            }
        }
    }

    // A watcher that throws is a bug in the watcher; the change is stored anyway, so the caller gets a faulted task
    // (not a synchronous throw) carrying the watcher's exception.
    private static Exception? Notify(ConfigurationWatch? toDrain)
    {
        try
        {
            toDrain?.Drain();
            return null;
        }
#pragma warning disable CA1031 // Not swallowed: returned to the caller as the faulted task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return ex;
        }
    }

    private UserConfiguration? FindOwned(string ownerId, string id) =>
        _byId.TryGetValue(id, out var configuration) && string.Equals(configuration.OwnerId, ownerId, StringComparison.Ordinal)
            ? configuration
            : null;

    private static string NewId()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        return Base64Url.EncodeToString(bytes);
    }
}
