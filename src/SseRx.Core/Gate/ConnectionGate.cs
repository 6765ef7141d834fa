namespace SseRx;

/// <summary>Options for <see cref="ConnectionGate"/>.</summary>
public sealed class ConnectionGateOptions
{
    /// <summary>The most concurrent streams in the process. Default 100.</summary>
    public int MaxConnections { get; set; } = 100;

    /// <summary>The most concurrent streams per client key (for example a user id or address). Default: no per-client cap.</summary>
    public int? MaxConnectionsPerClient { get; set; }

    /// <summary>Throws when a value is out of range.</summary>
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
/// <remarks>Thread-safe and lock-free on the process count.</remarks>
public sealed class ConnectionGate
{
    /// <summary>Creates a gate; the options are validated and copied.</summary>
    public ConnectionGate(ConnectionGateOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        throw new NotImplementedException();
    }

    /// <summary>Streams admitted and not yet released.</summary>
    public int Active => throw new NotImplementedException();

    /// <summary>The process limit.</summary>
    public int Limit => throw new NotImplementedException();

    /// <summary>
    /// Tries to admit one stream. On success returns a lease, which must be disposed when the stream ends
    /// (disposing twice is harmless); on refusal returns <see langword="null"/> and says why.
    /// </summary>
    /// <param name="clientKey">The key the per-client cap counts by, or <see langword="null"/> to skip it.</param>
    /// <param name="refusal">Why the stream was refused, or <see cref="GateRefusal.None"/>.</param>
    public IDisposable? TryEnter(string? clientKey, out GateRefusal refusal) => throw new NotImplementedException();
}
