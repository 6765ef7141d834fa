namespace SseRx;

/// <summary>
/// A scope from <see cref="ConsumerBuffer.DeferWakes"/>: while it is open, readers of buffers that receive events on
/// this thread are woken once, when it is disposed.
/// </summary>
/// <remarks>Dispose it exactly once, on the thread that opened it; disposing it elsewhere throws.</remarks>
public readonly struct WakeDeferral : IDisposable, IEquatable<WakeDeferral>
{
    // Per thread: how many scopes are open, and the buffers whose readers are waiting for the outermost one to end.
    [ThreadStatic]
    private static int t_depth;

    [ThreadStatic]
    private static List<ConsumerBuffer>? t_deferred;

    private readonly int _threadId;

    internal WakeDeferral(int threadId) => _threadId = threadId;

    internal static int Depth
    {
        get => t_depth;
        set => t_depth = value;
    }

    /// <summary>Ends the scope; the outermost one wakes every reader held back, in the order their events arrived.</summary>
    /// <exception cref="InvalidOperationException">Disposed on another thread than the one that opened it, or not opened.</exception>
    public void Dispose()
    {
        if (_threadId != Environment.CurrentManagedThreadId || t_depth == 0)
        {
            throw new InvalidOperationException(
                "A WakeDeferral must be disposed once, on the thread that opened it (ConsumerBuffer.DeferWakes).");
        }

        if (--t_depth > 0 || t_deferred is not { Count: > 0 } deferred)
        {
            return;
        }

        try
        {
            // Waking completes a value task whose continuation runs on the thread pool, never inline, so this loop
            // runs no reader code and the list cannot change under it.
            foreach (var buffer in deferred)
            {
                buffer.ReleaseDeferredWake();
            }
        }
        finally
        {
            deferred.Clear();
        }
    }

    /// <inheritdoc />
    public bool Equals(WakeDeferral other) => _threadId == other._threadId;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is WakeDeferral other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => _threadId;

    /// <summary>Whether two scopes were opened on the same thread.</summary>
    public static bool operator ==(WakeDeferral left, WakeDeferral right) => left.Equals(right);

    /// <summary>Whether two scopes were opened on different threads.</summary>
    public static bool operator !=(WakeDeferral left, WakeDeferral right) => !left.Equals(right);

    /// <summary>Remembers a buffer to wake when the outermost scope ends; under the buffer's lock.</summary>
    internal static void Defer(ConsumerBuffer buffer) => (t_deferred ??= []).Add(buffer);
}
