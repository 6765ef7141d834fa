namespace SseRx;

/// <summary>Where a reader's replay came from (see <see cref="ResumeOutcome"/>).</summary>
public enum ResumeSource
{
    /// <summary>A new client (no <c>Last-Event-ID</c>): the current state.</summary>
    New,

    /// <summary>Replayed from the journal's memory (possibly nothing, when the client was up to date).</summary>
    Journal,

    /// <summary>Replayed from the store's history.</summary>
    History,

    /// <summary>The id could not be resumed: a <c>resync</c> and the current state were sent.</summary>
    Resync,
}

/// <summary>How one <see cref="EventJournal.ResumeFrom(string?, Action{ResumeOutcome}?)"/> was resolved, for telemetry.</summary>
/// <param name="Source">Where the replay came from.</param>
/// <param name="Replayed">How many events the replay sent before the reader went live.</param>
/// <param name="ResyncReason">With <see cref="ResumeSource.Resync"/>: <c>malformed</c>, <c>unknown</c> or <c>too_old</c>.</param>
public readonly record struct ResumeOutcome(ResumeSource Source, int Replayed, string? ResyncReason = null);
