namespace SseRx;

internal enum ResumeKind
{
    /// <summary>The journal is disposed: complete at once.</summary>
    None,

    /// <summary>Replay <see cref="ResumePlan.Events"/>, then go live.</summary>
    Replay,

    /// <summary>Send a <c>resync</c>, the latest metrics, then go live.</summary>
    Resync,

    /// <summary>Read the history after the cursor, then replay the held events it did not return, then go live.</summary>
    History,
}

/// <summary>What one reader replays, decided under the journal's lock at subscription.</summary>
internal readonly struct ResumePlan
{
    private ResumePlan(
        ResumeKind kind, SseEvent[] events, SseEventId cursor, SseEventId floor, SseEventId resumePoint, string? reason, SseEvent? latestMetrics)
    {
        Kind = kind;
        Events = events;
        Cursor = cursor;
        Floor = floor;
        ResumePoint = resumePoint;
        Reason = reason;
        LatestMetrics = latestMetrics;
    }

    public ResumeKind Kind { get; }

    /// <summary>For <see cref="ResumeKind.Replay"/>, the events to replay; for <see cref="ResumeKind.History"/>, the held events after the cursor.</summary>
    public SseEvent[] Events { get; }

    public SseEventId Cursor { get; }

    /// <summary>The journal's floor when the snapshot was taken; a history answer must reach it to be gap-free.</summary>
    public SseEventId Floor { get; }

    /// <summary>The id of a <c>resync</c>, should one be sent.</summary>
    public SseEventId ResumePoint { get; }

    public string? Reason { get; }

    public SseEvent? LatestMetrics { get; }

    public static ResumePlan Replay(SseEvent[] events) =>
        new(ResumeKind.Replay, events, default, default, default, null, null);

    public static ResumePlan Resync(SseEventId resumePoint, string reason, SseEvent? latestMetrics) =>
        new(ResumeKind.Resync, [], default, default, resumePoint, reason, latestMetrics);

    public static ResumePlan FromHistory(
        SseEventId cursor, SseEvent[] held, SseEventId floor, SseEventId resumePoint, SseEvent? latestMetrics) =>
        new(ResumeKind.History, held, cursor, floor, resumePoint, null, latestMetrics);
}
