using System.Diagnostics.CodeAnalysis;

namespace SseRx;

/// <summary>
/// A scope from <see cref="ConsumerBuffer.DeferWakes"/>: while it is open, readers of buffers that receive events on
/// this thread are woken once, when it is disposed.
/// </summary>
/// <remarks>
/// Dispose it exactly once (<c>using</c>); disposing more scopes than were opened throws. A ref struct, so it cannot be
/// stored on the heap, captured or held across an <c>await</c>: it is closed on the thread that opened it.
/// </remarks>
public readonly ref struct WakeDeferral
{
    // Per thread: how many scopes are open, and the buffers whose readers are waiting for the outermost one to end.
    [ThreadStatic]
    private static int t_depth;

    [ThreadStatic]
    private static List<ConsumerBuffer>? t_deferred;

    internal static int Depth
    {
        get => t_depth;
        set => t_depth = value;
    }

    /// <summary>Ends the scope; the outermost one wakes every reader held back, in the order their events arrived.</summary>
    /// <exception cref="InvalidOperationException">No scope is open on this thread (disposed twice).</exception>
    [SuppressMessage("Performance", "CA1822:Mark members as static", Justification = "using disposes the instance.")]
    public void Dispose()
    {
        if (t_depth == 0)
        {
            throw new InvalidOperationException("A WakeDeferral (ConsumerBuffer.DeferWakes) must be disposed exactly once.");
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

    /// <summary>Remembers a buffer to wake when the outermost scope ends; under the buffer's lock.</summary>
    internal static void Defer(ConsumerBuffer buffer) => (t_deferred ??= []).Add(buffer);
}
