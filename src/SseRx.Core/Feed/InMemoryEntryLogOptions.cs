namespace SseRx;

/// <summary>Options for <see cref="InMemoryEntryLog{TEntry}"/>. Read and validated once, when the log is created.</summary>
public sealed class InMemoryEntryLogOptions
{
    /// <summary>
    /// The log's <see cref="IEntryLog{TEntry}.VisibilityDelay"/>: how long a feed waits before it reads an entry, and so
    /// the least latency an entry reaches clients with. Default 50 milliseconds.
    /// </summary>
    /// <remarks>
    /// The log itself needs none: it stamps an entry and stores it under one lock, never at or behind a position a read
    /// has covered, so an entry is readable from its timestamp on. The delay is the room for a feed whose clock runs
    /// ahead of the log's (a feed on another scheduler than the log); with one scheduler for both, zero is safe and
    /// saves the latency.
    /// </remarks>
    public TimeSpan VisibilityDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// How long an entry is held: it is dropped once its timestamp is this old, and a resume from a cursor before it
    /// gets a <c>resync</c>. <see cref="TimeSpan.MaxValue"/> keeps entries until <see cref="MaxEntries"/> pushes them
    /// out. Default 24 hours.
    /// </summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The most entries held: adding one more drops the oldest, and a resume from a cursor before it gets a
    /// <c>resync</c>. It bounds the log's memory; keep it well above what is added in a poll interval plus
    /// <see cref="VisibilityDelay"/>, or a burst drops entries before the feed has read them. Default 100,000.
    /// </summary>
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>Throws when an option is out of range; the message names it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="VisibilityDelay"/> is negative, <see cref="Retention"/> is not positive, or <see cref="MaxEntries"/> is
    /// less than 1.
    /// </exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(VisibilityDelay, TimeSpan.Zero, nameof(VisibilityDelay));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Retention, TimeSpan.Zero, nameof(Retention));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEntries, 1, nameof(MaxEntries));
    }
}
