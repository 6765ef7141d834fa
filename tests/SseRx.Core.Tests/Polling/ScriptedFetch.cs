using SseRx.Tests.Testing;

namespace SseRx.Tests.Polling;

/// <summary>What one call of a <see cref="ScriptedFetch{T}"/> does.</summary>
internal sealed record FetchStep<T>(FetchKind Kind, long Duration, T? Value, Exception? Error);

internal enum FetchKind
{
    Succeed,
    Fail,
    ThrowSynchronously,
    CancelledTask,
    NeverButHonourCancellation,
}

internal static class FetchStep
{
    /// <summary>Succeeds with <paramref name="value"/> after <paramref name="duration"/> ticks (0: an already-completed task).</summary>
    public static FetchStep<T> Ok<T>(T value, long duration = 0) => new(FetchKind.Succeed, duration, value, null);

    /// <summary>Faults with <paramref name="error"/> after <paramref name="duration"/> ticks (0: an already-faulted task).</summary>
    public static FetchStep<T> Fail<T>(Exception error, long duration = 0) => new(FetchKind.Fail, duration, default, error);

    /// <summary>Throws <paramref name="error"/> from the fetch call itself, returning no task.</summary>
    public static FetchStep<T> Throw<T>(Exception error) => new(FetchKind.ThrowSynchronously, 0, default, error);

    /// <summary>Returns an already-cancelled task.</summary>
    public static FetchStep<T> Cancelled<T>() => new(FetchKind.CancelledTask, 0, default, null);

    /// <summary>Never completes on its own; ends as cancelled when its token is cancelled, as a well-behaved fetch does.</summary>
    public static FetchStep<T> Never<T>() => new(FetchKind.NeverButHonourCancellation, 0, default, null);
}

/// <summary>
/// A fetch function driven by virtual time: each call follows the next step of a script, and completes its task at
/// a chosen virtual time. It records when each call started, the tokens it got, and how many calls overlapped.
/// </summary>
internal sealed class ScriptedFetch<T>
{
    private readonly TestScheduler _scheduler;
    private readonly Func<int, FetchStep<T>> _script;
    private int _inFlight;

    /// <summary>Call i follows <paramref name="steps"/>[i]; calls beyond the script repeat its last step.</summary>
    public ScriptedFetch(TestScheduler scheduler, params FetchStep<T>[] steps)
        : this(scheduler, i => steps[Math.Min(i, steps.Length - 1)])
    {
    }

    public ScriptedFetch(TestScheduler scheduler, Func<int, FetchStep<T>> script)
    {
        _scheduler = scheduler;
        _script = script;
    }

    /// <summary>The virtual time at which each call started.</summary>
    public List<long> Starts { get; } = [];

    /// <summary>The token each call received.</summary>
    public List<CancellationToken> Tokens { get; } = [];

    /// <summary>The most calls that were running at once.</summary>
    public int MaxInFlight { get; private set; }

    public Task<T> Fetch(CancellationToken token)
    {
        var step = _script(Starts.Count);
        Starts.Add(_scheduler.Clock);
        Tokens.Add(token);
        _inFlight++;
        MaxInFlight = Math.Max(MaxInFlight, _inFlight);

        switch (step.Kind)
        {
            case FetchKind.ThrowSynchronously:
                _inFlight--;
                throw step.Error!;
            case FetchKind.CancelledTask:
                _inFlight--;
                return Task.FromCanceled<T>(new CancellationToken(canceled: true));
            case FetchKind.NeverButHonourCancellation:
                var pending = new TaskCompletionSource<T>();
                token.Register(() =>
                {
                    _inFlight--;
                    pending.TrySetCanceled(token);
                });
                return pending.Task;
        }

        if (step.Duration == 0)
        {
            _inFlight--;
            return step.Kind == FetchKind.Succeed ? Task.FromResult(step.Value!) : Task.FromException<T>(step.Error!);
        }

        // Continuations of this task run inline when the scheduler completes it, so the whole test stays on one thread.
        var completion = new TaskCompletionSource<T>();
        _scheduler.ScheduleRelative(completion, step.Duration, (_, tcs) =>
        {
            _inFlight--;
            if (step.Kind == FetchKind.Succeed)
            {
                tcs.SetResult(step.Value!);
            }
            else
            {
                tcs.SetException(step.Error!);
            }

            return System.Reactive.Disposables.Disposable.Empty;
        });
        return completion.Task;
    }
}
