using System.Diagnostics;

namespace SseRx.Host.Observability;

/// <summary>
/// Traces one resume of a client that sent a <c>Last-Event-ID</c>: an <c>sserx.resume</c> span, a child of the stream's
/// span, tagged with how the journal resolved the id (<see cref="ResumeOutcome"/>): <c>journal</c> (replayed from memory),
/// <c>history</c> (read from the store) or <c>resync</c> (with the reason), and how many events the replay sent.
/// </summary>
/// <remarks>
/// The journal reports the outcome through <see cref="EventJournal.ResumeFrom(string?, Action{ResumeOutcome}?)"/>: at
/// once for a memory replay or a resync, or when a history read answers (on a fresh process, after its first poll).
/// The span ends then, or as <c>abandoned</c> when the subscription is disposed first. Events pass through untouched.
/// </remarks>
internal static class ResumeTracing
{
    /// <summary>
    /// Subscribes through <paramref name="resume"/> (the journal's <c>ResumeFrom</c> with an outcome callback), inside a
    /// resume span parented on <paramref name="stream"/>.
    /// </summary>
    public static IObservable<SseEvent> Trace(
        Func<Action<ResumeOutcome>?, IObservable<SseEvent>> resume, ActivityContext stream, string lastEventId) =>
        System.Reactive.Linq.Observable.Create<SseEvent>(IDisposable (observer) =>
        {
            var previous = Activity.Current;
            var activity = SseRxActivities.Source.StartActivity(SseRxActivities.Resume, ActivityKind.Internal, stream);
            if (activity is null)
            {
                return resume(null).Subscribe(observer);
            }

            // The span may end on another thread; the caller's current activity stays the stream's.
            Activity.Current = previous;
            activity.SetTag(SseRxActivities.Tags.LastEventId, lastEventId);
            var span = new ResumeSpan(activity);
            var subscription = resume(span.Resolved).Subscribe(observer);
            return System.Reactive.Disposables.Disposable.Create(() =>
            {
                subscription.Dispose();
                span.Abandon();
            });
        });

    /// <summary>One resume's span: ends once with the outcome, or as abandoned.</summary>
    private sealed class ResumeSpan(Activity activity)
    {
        private int _done;

        public void Resolved(ResumeOutcome outcome)
        {
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                return;
            }

            switch (outcome.Source)
            {
                case ResumeSource.History:
                    activity.SetTag(SseRxActivities.Tags.ResumeOutcome, ResumeOutcomes.History);
                    activity.SetTag(SseRxActivities.Tags.HistoryEvents, outcome.Replayed);
                    break;
                case ResumeSource.Resync:
                    activity.SetTag(SseRxActivities.Tags.ResumeOutcome, ResumeOutcomes.Resync);
                    activity.SetTag(SseRxActivities.Tags.ResyncReason, outcome.ResyncReason);
                    break;
                default:
                    activity.SetTag(SseRxActivities.Tags.ResumeOutcome, ResumeOutcomes.Journal);
                    activity.SetTag(SseRxActivities.Tags.ReplayedEvents, outcome.Replayed);
                    break;
            }

            activity.Dispose();
        }

        public void Abandon()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                activity.SetTag(SseRxActivities.Tags.ResumeOutcome, ResumeOutcomes.Abandoned);
                activity.Dispose();
            }
        }
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
