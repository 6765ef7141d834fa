using System.Threading.Tasks.Sources;

namespace SseRx.Tests.Journal;

/// <summary>
/// An <see cref="IEventHistory"/> that answers at once (the entries of <see cref="Store"/> in the asked range, or a
/// fixed <see cref="Answer"/>), throws, or stays pending until <see cref="Complete"/>; a pending answer completes
/// inline, so tests stay deterministic.
/// </summary>
internal sealed class FakeHistory : IEventHistory, IValueTaskSource<IReadOnlyList<SseEvent>?>
{
    private ManualResetValueTaskSourceCore<IReadOnlyList<SseEvent>?> _core;

    /// <summary>Entries the history answers from by range, when <see cref="Answer"/> is not set.</summary>
    public List<SseEvent> Store { get; } = [];

    /// <summary>A fixed answer, whatever the range (null: answer from <see cref="Store"/>).</summary>
    public IReadOnlyList<SseEvent>? Answer { get; set; }

    /// <summary>Answer null: "cannot answer for that cursor".</summary>
    public bool Unknown { get; set; }

    /// <summary>Returned as a faulted task.</summary>
    public Exception? Fault { get; set; }

    public bool Pending { get; set; }

    public List<(SseEventId After, SseEventId Through, int MaxEvents)> Calls { get; } = [];

    public CancellationToken LastToken { get; private set; }

    public ValueTask<IReadOnlyList<SseEvent>?> ReadAsync(SseEventId after, SseEventId through, int maxEvents, CancellationToken cancellationToken)
    {
        Calls.Add((after, through, maxEvents));
        LastToken = cancellationToken;
        if (Fault is not null)
        {
            return ValueTask.FromException<IReadOnlyList<SseEvent>?>(Fault);
        }

        if (Pending)
        {
            _core.Reset();
            return new ValueTask<IReadOnlyList<SseEvent>?>(this, _core.Version);
        }

        return new ValueTask<IReadOnlyList<SseEvent>?>(Read(after, through, maxEvents));
    }

    public IReadOnlyList<SseEvent>? Read(SseEventId after, SseEventId through, int maxEvents) =>
        Unknown ? null : Answer ?? [.. Store.Where(e => e.Id > after && e.Id <= through).OrderBy(e => e.Id).Take(maxEvents)];

    public void Complete(IReadOnlyList<SseEvent>? events) => _core.SetResult(events);

    public IReadOnlyList<SseEvent>? GetResult(short token) => _core.GetResult(token);

    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
