namespace SseRx;

/// <summary>
/// What one poll of a feed produced: its events, in id order, and the range of positions it covers.
/// </summary>
/// <remarks>
/// <para>
/// A batch says: "every entry whose position is after <see cref="After"/> and at or before <see cref="Through"/> is
/// in <see cref="Events"/>". Consecutive batches of a feed connect (each one's <see cref="After"/> is the previous
/// one's <see cref="Through"/>), so an <see cref="EventJournal"/> knows from where its record is complete; see the
/// resume model in <c>docs/event-ids-and-resume.md</c>.
/// </para>
/// <para>Immutable and safe to share between threads. The list is not copied: do not change it afterwards.</para>
/// </remarks>
public sealed class SseBatch
{
    /// <summary>Creates a batch.</summary>
    /// <param name="after">
    /// Where the covered range starts (exclusive): the previous batch's <see cref="Through"/>; equal to
    /// <paramref name="through"/> when the batch vouches for nothing before its end; <see langword="null"/> when it makes
    /// no claim about what came before it.
    /// </param>
    /// <param name="through">Where the covered range ends (inclusive); at or after every event's id.</param>
    /// <param name="events">The events, each id greater than the one before it.</param>
    /// <exception cref="ArgumentException">
    /// The ids are not strictly increasing, an id is after <paramref name="through"/>, or <paramref name="after"/> is
    /// after <paramref name="through"/>.
    /// </exception>
    public SseBatch(SseEventId? after, SseEventId through, IReadOnlyList<SseEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (after is { } start && start > through)
        {
            throw new ArgumentException($"A batch's range cannot start ({start}) after it ends ({through}).", nameof(after));
        }

        for (var i = 0; i < events.Count; i++)
        {
            var id = events[i]?.Id ?? throw new ArgumentException("A batch holds no null event.", nameof(events));
            if (id > through || (i > 0 && id <= events[i - 1].Id))
            {
                throw new ArgumentException(
                    $"A batch's ids must increase and end at or before {through}: '{id}' at index {i} does not.", nameof(events));
            }
        }

        After = after;
        Through = through;
        Events = events;
    }

    /// <summary>The exclusive start of the positions this batch covers, or <see langword="null"/> when it claims none.</summary>
    public SseEventId? After { get; }

    /// <summary>The inclusive end of the positions this batch covers: where the stream is complete up to after it.</summary>
    public SseEventId Through { get; }

    /// <summary>The events, in id order.</summary>
    public IReadOnlyList<SseEvent> Events { get; }

    /// <inheritdoc />
    public override string ToString() => $"({After}, {Through}]: {Events.Count} event(s)";
}
