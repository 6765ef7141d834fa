using System.Collections.Concurrent;

namespace SseRx;

/// <summary>Options for <see cref="ConnectionGate"/>.</summary>
public sealed class ConnectionGateOptions
{
    /// <summary>The most concurrent streams in the process. Default 100.</summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary>The most concurrent streams per client key (for example a user id or address). Default: no per-client cap.</summary>
    public int? MaxConnectionsPerClient { get; set; }

    /// <summary>Throws when a value is out of range. Called by the gate when it is created.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A limit is less than 1.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConnections, 1, nameof(MaxConnections));
        if (MaxConnectionsPerClient is { } perClient)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(perClient, 1, nameof(MaxConnectionsPerClient));
        }
    }
}

/// <summary>Why <see cref="ConnectionGate.TryEnter"/> refused a connection.</summary>
public enum GateRefusal
{
    /// <summary>Admitted: not a refusal.</summary>
    None,

    /// <summary>The process is at <see cref="ConnectionGateOptions.MaxConnections"/>.</summary>
    ProcessLimit,

    /// <summary>The client is at <see cref="ConnectionGateOptions.MaxConnectionsPerClient"/>.</summary>
    ClientLimit,
}

/// <summary>
/// Admits at most a fixed number of concurrent streams. Admission is atomic: 1,000 concurrent attempts
/// against a limit of 100 admit exactly 100.
/// </summary>
/// <remarks>
/// Thread-safe and lock-free. The process count is claimed with a compare-exchange loop, so it never exceeds
/// <see cref="Limit"/>; per-client counts use the same discipline on a concurrent dictionary, and a client's
/// entry is removed when its count returns to zero, so memory is bounded by the number of clients connected
/// now. A slot claimed on the process count is given back when the per-client cap refuses, so for that instant
/// a concurrent attempt may see the process as full. The gate holds nothing that needs disposing.
/// </remarks>
public sealed class ConnectionGate
{
    private readonly int _limit;
    private readonly int? _perClientLimit;
    private readonly ConcurrentDictionary<string, int> _perClient = new(StringComparer.Ordinal);
    private int _active;

    /// <summary>Creates a gate; the options are validated and copied.</summary>
    /// <param name="options">The limits: default 100 streams per process, no per-client cap.</param>
    /// <exception cref="ArgumentOutOfRangeException">A limit is less than 1.</exception>
    public ConnectionGate(ConnectionGateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _limit = options.MaxConnections;
        _perClientLimit = options.MaxConnectionsPerClient;
    }

    /// <summary>Streams admitted and not yet released.</summary>
    public int Active => Volatile.Read(ref _active);

    /// <summary>The process limit.</summary>
    public int Limit => _limit;

    /// <summary>Client keys currently counted; zero once every counted lease is released.</summary>
    internal int TrackedClients => _perClient.Count;

    /// <summary>
    /// Tries to admit one stream. On success returns a lease, which must be disposed when the stream ends
    /// (disposing twice is harmless, and releases once); on refusal returns <see langword="null"/> and says why.
    /// </summary>
    /// <param name="clientKey">
    /// The key the per-client cap counts by (compared ordinally), or <see langword="null"/> to skip it. Ignored
    /// when <see cref="ConnectionGateOptions.MaxConnectionsPerClient"/> is not set.
    /// </param>
    /// <param name="refusal">Why the stream was refused, or <see cref="GateRefusal.None"/>.</param>
    public IDisposable? TryEnter(string? clientKey, out GateRefusal refusal)
    {
        if (!TryClaimProcessSlot())
        {
            refusal = GateRefusal.ProcessLimit;
            return null;
        }

        string? countedKey = null;
        if (clientKey is not null && _perClientLimit is { } perClientLimit)
        {
            if (!TryClaimClientSlot(clientKey, perClientLimit))
            {
                Interlocked.Decrement(ref _active);
                refusal = GateRefusal.ClientLimit;
                return null;
            }

            countedKey = clientKey;
        }

        refusal = GateRefusal.None;
        return new Lease(this, countedKey);
    }

    private bool TryClaimProcessSlot()
    {
        var current = Volatile.Read(ref _active);
        while (current < _limit)
        {
            var seen = Interlocked.CompareExchange(ref _active, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    private bool TryClaimClientSlot(string key, int limit)
    {
        while (true)
        {
            if (_perClient.TryGetValue(key, out var current))
            {
                if (current >= limit)
                {
                    return false;
                }

                if (_perClient.TryUpdate(key, current + 1, current))
                {
                    return true;
                }
            }
            else if (_perClient.TryAdd(key, 1))
            {
                return true;
            }
        }
    }

    private void Release(string? clientKey)
    {
        if (clientKey is not null)
        {
            ReleaseClientSlot(clientKey);
        }

        Interlocked.Decrement(ref _active);
    }

    private void ReleaseClientSlot(string key)
    {
        while (true)
        {
            // The lease holds one of the counted slots, so the entry exists and is at least 1.
            var current = _perClient[key];
            if (current == 1)
            {
                // Removes only if still 1: a concurrent admission that raised it wins and we retry.
                if (_perClient.TryRemove(new KeyValuePair<string, int>(key, 1)))
                {
                    return;
                }
            }
            else if (_perClient.TryUpdate(key, current - 1, current))
            {
                return;
            }
        }
    }

    /// <summary>One admitted stream; releases its slots exactly once.</summary>
    private sealed class Lease(ConnectionGate gate, string? clientKey) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release(clientKey);
            }
        }
    }
}
