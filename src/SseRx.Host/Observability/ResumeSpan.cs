using System.Diagnostics;

namespace SseRx.Host.Observability;

/// <summary>
/// The <c>sserx.resume</c> span of a client that sent a <c>Last-Event-ID</c>: a child of the stream's span, tagged with how
/// the journal resolved the id (<see cref="ResumeOutcome"/>): <c>journal</c> (replayed from memory), <c>history</c>
/// (read from the store) or <c>resync</c> (with the reason), and how many events the replay sent.
/// </summary>
/// <remarks>
/// The package reports the outcome as soon as it is known: at once for a memory replay or a resync, or when a history
/// read answers (on a fresh process, after its first poll). The span ends then, or as <c>abandoned</c> when the stream
/// ends first. Thread-safe: it ends once.
/// </remarks>
internal sealed class ResumeSpan
{
    private readonly Activity _activity;
    private int _done;

    private ResumeSpan(Activity activity) => _activity = activity;

    /// <summary>Starts the span under <paramref name="stream"/>, leaving the current activity as it was.</summary>
    public static ResumeSpan? Start(ActivityContext stream, string lastEventId)
    {
        var previous = Activity.Current;
        var activity = SseRxActivities.Source.StartActivity(SseRxActivities.Resume, ActivityKind.Internal, stream);
        Activity.Current = previous;
        if (activity is null)
        {
            return null;
        }

        activity.SetTag(SseRxActivities.Tags.LastEventId, lastEventId);
        return new ResumeSpan(activity);
    }

    public void Resolved(ResumeOutcome outcome)
    {
        if (Interlocked.Exchange(ref _done, 1) != 0)
        {
            return;
        }

        switch (outcome.Source)
        {
            case ResumeSource.History:
                _activity.SetTag(SseRxActivities.Tags.ResumeOutcome, ResumeOutcomes.History);
                _activity.SetTag(SseRxActivities.Tags.HistoryEvents, outcome.Replayed);
                break;
            case ResumeSource.Resync:
                _activity.SetTag(SseRxActivities.Tags.ResumeOutcome, ResumeOutcomes.Resync);
                _activity.SetTag(SseRxActivities.Tags.ResyncReason, outcome.ResyncReason);
                break;
            default:
                _activity.SetTag(SseRxActivities.Tags.ResumeOutcome, ResumeOutcomes.Journal);
                _activity.SetTag(SseRxActivities.Tags.ReplayedEvents, outcome.Replayed);
                break;
        }

        _activity.Dispose();
    }

    public void Abandon()
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _activity.SetTag(SseRxActivities.Tags.ResumeOutcome, ResumeOutcomes.Abandoned);
            _activity.Dispose();
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
