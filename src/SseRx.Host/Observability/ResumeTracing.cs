using System.Diagnostics;
using SseRx.Sentiment;

namespace SseRx.Host.Observability;

/// <summary>
/// Wraps <see cref="EventJournal.ResumeFrom"/> for a client that sent a <c>Last-Event-ID</c>: each subscription is an
/// <c>sserx.resume</c> span, a child of the stream's span, tagged with how the id was resolved: <c>journal</c> (replayed
/// from memory), <c>history</c> (read from the store) or <c>resync</c> (with the resync's reason).
/// </summary>
/// <remarks>
/// The journal decides while it is subscribed: a memory replay or a resync is delivered before <c>Subscribe</c>
/// returns; a history read starts then (seen by <see cref="InstrumentedSentimentHistory"/> through
/// <see cref="ResumeTap.Current"/>) and its first event or failure tells history from resync. The span ends as soon as
/// the outcome is known, or when the subscription is disposed first. Events pass through unchanged; after the outcome,
/// each costs one volatile read.
/// </remarks>
internal sealed class ResumeTracing(IObservable<SseEvent> source, ActivityContext stream, string lastEventId) : IObservable<SseEvent>
{
    public IDisposable Subscribe(IObserver<SseEvent> observer)
    {
        var previous = Activity.Current;
        var activity = SseRxActivities.Source.StartActivity(SseRxActivities.Resume, ActivityKind.Internal, stream);
        if (activity is null)
        {
            return source.Subscribe(observer);
        }

        // The span may end on another thread; the caller's current activity stays the stream's.
        Activity.Current = previous;
        activity.SetTag(SseRxActivities.Tags.LastEventId, lastEventId);
        var tap = new ResumeTap(observer, activity);
        IDisposable subscription;
        using (ResumeTap.Enter(tap))
        {
            subscription = source.Subscribe(tap);
        }

        tap.Subscribed();
        return new Subscription(subscription, tap);
    }

    private sealed class Subscription(IDisposable inner, ResumeTap tap) : IDisposable
    {
        public void Dispose()
        {
            inner.Dispose();
            tap.Abandon();
        }
    }
}

/// <summary>One resume's observer: forwards every event and ends the <c>sserx.resume</c> span once the outcome is known.</summary>
internal sealed class ResumeTap(IObserver<SseEvent> observer, Activity activity) : IObserver<SseEvent>
{
    private static readonly AsyncLocal<ResumeTap?> Ambient = new();

    private int _done;
    private int _historyRequested;
    private int _replayed;

    /// <summary>The resume being subscribed on this flow, for the history decorator; <see langword="null"/> elsewhere.</summary>
    public static ResumeTap? Current => Ambient.Value;

    /// <summary>Makes <paramref name="tap"/> <see cref="Current"/> until the returned scope is disposed.</summary>
    public static Scope Enter(ResumeTap tap)
    {
        var previous = Ambient.Value;
        Ambient.Value = tap;
        return new Scope(previous);
    }

    /// <summary>The journal asked the store for the events after the cursor.</summary>
    public void HistoryRequested() => Volatile.Write(ref _historyRequested, 1);

    /// <summary>The store answered with <paramref name="count"/> events.</summary>
    public void HistoryAnswered(int count)
    {
        if (Volatile.Read(ref _done) == 0)
        {
            activity.SetTag(SseRxActivities.Tags.HistoryEvents, count);
        }
    }

    /// <summary>The journal's <c>Subscribe</c> returned: without a pending history read, the outcome is known.</summary>
    public void Subscribed()
    {
        if (Volatile.Read(ref _historyRequested) == 0)
        {
            Finish(ResumeOutcomes.Journal, reason: null);
        }
    }

    /// <summary>The subscription ended before the outcome was known.</summary>
    public void Abandon() => Finish(ResumeOutcomes.Abandoned, reason: null);

    public void OnNext(SseEvent value)
    {
        if (Volatile.Read(ref _done) == 0)
        {
            Classify(value);
        }

        observer.OnNext(value);
    }

    public void OnError(Exception error)
    {
        Finish(Volatile.Read(ref _historyRequested) == 0 ? ResumeOutcomes.Journal : ResumeOutcomes.History, reason: null);
        observer.OnError(error);
    }

    public void OnCompleted()
    {
        Finish(Volatile.Read(ref _historyRequested) == 0 ? ResumeOutcomes.Journal : ResumeOutcomes.History, reason: null);
        observer.OnCompleted();
    }

    private void Classify(SseEvent value)
    {
        if (string.Equals(value.Type, SseEventTypes.Resync, StringComparison.Ordinal))
        {
            Finish(ResumeOutcomes.Resync, (value.Payload as ResyncData)?.Reason);
        }
        else if (Volatile.Read(ref _historyRequested) != 0)
        {
            Finish(ResumeOutcomes.History, reason: null);
        }
        else
        {
            Interlocked.Increment(ref _replayed);
        }
    }

    private void Finish(string outcome, string? reason)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return;
        }

        activity.SetTag(SseRxActivities.Tags.ResumeOutcome, outcome);
        if (reason is not null)
        {
            activity.SetTag(SseRxActivities.Tags.ResyncReason, reason);
        }

        if (outcome == ResumeOutcomes.Journal)
        {
            activity.SetTag(SseRxActivities.Tags.ReplayedEvents, Volatile.Read(ref _replayed));
        }

        activity.Dispose();
    }

    /// <summary>Restores the previous <see cref="Current"/>.</summary>
    public readonly struct Scope(ResumeTap? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}

/// <summary>The values of the <c>sserx.resume.outcome</c> tag.</summary>
internal static class ResumeOutcomes
{
    /// <summary>Replayed from the in-memory journal (possibly nothing, when the client was up to date).</summary>
    public const string Journal = "journal";

    /// <summary>Replayed from the store's history.</summary>
    public const string History = "history";

    /// <summary>The id could not be resumed: a <c>resync</c> event was sent.</summary>
    public const string Resync = "resync";

    /// <summary>The stream ended before the outcome was known (a history read still running).</summary>
    public const string Abandoned = "abandoned";
}
