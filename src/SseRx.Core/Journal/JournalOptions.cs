namespace SseRx;

/// <summary>Options for <see cref="EventJournal"/>. Read and validated once, when the journal is created.</summary>
public sealed class JournalOptions
{
    /// <summary>The most events kept for replay. Default 100.</summary>
    public int Capacity { get; set; } = 100;

    /// <summary>How long an event is kept for replay after it was appended. Default 5 minutes.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many of the most recent entries a new client (or one that resyncs) gets at once, with the latest event of
    /// every state key. Kept apart from the replay buffer, so they survive its bounds. Default 20; 0 for none.
    /// </summary>
    public int RecentEntries { get; set; } = 20;

    /// <summary>
    /// Where to read the entries after a cursor older than the journal holds (for example the store the feed polls);
    /// <see langword="null"/> for none, in which case such cursors get a <c>resync</c>.
    /// </summary>
    public IEventHistory? History { get; set; }

    /// <summary>
    /// How far back <see cref="History"/> may be asked to replay; older cursors get a <c>resync</c> with reason
    /// <c>too_old</c>. Default 15 minutes (a Lambda stream's lifetime plus a reconnect).
    /// </summary>
    public TimeSpan HistoryWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The most events one resume may read from <see cref="History"/>. Default 1,000.</summary>
    public int MaxHistoryEvents { get; set; } = 1000;

    /// <summary>
    /// How far a cursor may be ahead of the clock. Another instance may have polled a little later than this one, so a
    /// cursor slightly ahead is honoured (the client waits for this instance to pass it); one further ahead was not
    /// issued by a sane server and gets a <c>resync</c> (<c>unknown</c>). Default 1 minute.
    /// </summary>
    public TimeSpan MaxCursorLead { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Makes the <c>resync</c> event a client gets when its cursor cannot be resumed, from the event's id and the
    /// reason (<c>malformed</c>, <c>unknown</c> or <c>too_old</c>). Default: <see cref="SseEvents.Resync"/>, an event
    /// of type <c>resync</c> with data <c>{"reason": "..."}</c>.
    /// </summary>
    public Func<SseEventId, string, SseEvent> Resync { get; set; } = SseEvents.Resync;

    /// <summary>Throws when a value is out of range. Called by the journal when it is created.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count or a duration is out of range.</exception>
    /// <exception cref="ArgumentNullException"><see cref="Resync"/> is <see langword="null"/>.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Capacity, 1, nameof(Capacity));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxAge, TimeSpan.Zero, nameof(MaxAge));
        ArgumentOutOfRangeException.ThrowIfNegative(RecentEntries, nameof(RecentEntries));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HistoryWindow, TimeSpan.Zero, nameof(HistoryWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHistoryEvents, 1, nameof(MaxHistoryEvents));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxCursorLead, TimeSpan.Zero, nameof(MaxCursorLead));
        ArgumentNullException.ThrowIfNull(Resync, nameof(Resync));
    }
}

/// <summary>A store that can replay the entries after a cursor (see <see cref="JournalOptions.History"/>).</summary>
public interface IEventHistory
{
    /// <summary>
    /// Returns up to <paramref name="maxEvents"/> entry events whose id is after <paramref name="after"/> and at or
    /// before <paramref name="through"/>, oldest first, or <see langword="null"/> when the store cannot answer for
    /// that cursor (the client then gets a <c>resync</c>).
    /// </summary>
    /// <param name="after">The client's cursor; it is older than anything the journal holds.</param>
    /// <param name="through">The journal's position: the live events continue after it.</param>
    /// <param name="maxEvents">The most events to return (<see cref="JournalOptions.MaxHistoryEvents"/>, default 1,000).</param>
    /// <param name="cancellationToken">Cancelled when the reconnecting client leaves before the answer.</param>
    /// <remarks>
    /// Called once per resume that needs it, concurrently for concurrent resumes, from any thread; implementations
    /// must be thread-safe. An exception is treated like <see langword="null"/>. Events outside the range or out of
    /// order are dropped rather than sent.
    /// </remarks>
    ValueTask<IReadOnlyList<SseEvent>?> ReadAsync(SseEventId after, SseEventId through, int maxEvents, CancellationToken cancellationToken);
}
