using System.Threading.Tasks.Sources;

namespace SseRx.Tests.Journal;

/// <summary>
/// An <see cref="IEventHistory"/> that answers at once, throws, or stays pending until <see cref="Complete"/>;
/// a pending answer completes inline, so tests stay deterministic.
/// </summary>
internal sealed class FakeHistory : IEventHistory, IValueTaskSource<IReadOnlyList<SseEvent>?>
{
    private ManualResetValueTaskSourceCore<IReadOnlyList<SseEvent>?> _core;

    /// <summary>The answer when not pending and not throwing.</summary>
    public IReadOnlyList<SseEvent>? Answer { get; set; }

    /// <summary>Thrown synchronously from <see cref="ReadAfterAsync"/>.</summary>
    public Exception? ThrowSynchronously { get; set; }

    /// <summary>Returned as a faulted task.</summary>
    public Exception? Fault { get; set; }

    public bool Pending { get; set; }

    public List<(SseEventId After, int MaxEvents)> Calls { get; } = [];

    public CancellationToken LastToken { get; private set; }

    public ValueTask<IReadOnlyList<SseEvent>?> ReadAfterAsync(SseEventId after, int maxEvents, CancellationToken cancellationToken)
    {
        Calls.Add((after, maxEvents));
        LastToken = cancellationToken;
        if (ThrowSynchronously is not null)
        {
            throw ThrowSynchronously;
        }

        if (Fault is not null)
        {
            return ValueTask.FromException<IReadOnlyList<SseEvent>?>(Fault);
        }

        if (Pending)
        {
            _core.Reset();
            return new ValueTask<IReadOnlyList<SseEvent>?>(this, _core.Version);
        }

        return new ValueTask<IReadOnlyList<SseEvent>?>(Answer);
    }

    public void Complete(IReadOnlyList<SseEvent>? events) => _core.SetResult(events);

    public IReadOnlyList<SseEvent>? GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
