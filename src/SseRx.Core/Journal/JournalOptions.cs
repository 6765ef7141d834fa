namespace SseRx;

/// <summary>Options for <see cref="EventJournal"/>.</summary>
public sealed class JournalOptions
{
    /// <summary>The most events kept for replay. Default 100.</summary>
    public int Capacity { get; set; } = 100;

    /// <summary>How long an event is kept for replay after it was appended. Default 5 minutes.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Where to look up ids older than the journal holds (for example DynamoDB); <see langword="null"/> for none,
    /// in which case such ids get a <c>resync</c>.
    /// </summary>
    public IEventHistory? History { get; set; }

    /// <summary>
    /// How far back <see cref="History"/> may be asked to replay; older ids get a <c>resync</c> with reason
    /// <c>too_old</c>. Default 15 minutes (a Lambda stream's lifetime plus a reconnect).
    /// </summary>
    public TimeSpan HistoryWindow { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The most events one resume may read from <see cref="History"/>. Default 1,000.</summary>
    public int MaxHistoryEvents { get; set; } = 1000;

    /// <summary>Throws when a value is out of range. Called by the journal when it is created.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is less than 1, or a duration is not positive.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Capacity, 1, nameof(Capacity));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(MaxAge, TimeSpan.Zero, nameof(MaxAge));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(HistoryWindow, TimeSpan.Zero, nameof(HistoryWindow));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxHistoryEvents, 1, nameof(MaxHistoryEvents));
    }
}

/// <summary>A store that can replay the events after a cursor (see <see cref="JournalOptions.History"/>).</summary>
public interface IEventHistory
{
    /// <summary>
    /// Returns up to <paramref name="maxEvents"/> events whose id sorts after <paramref name="after"/>, oldest first,
    /// or <see langword="null"/> when the store cannot answer for that cursor (the client then gets a <c>resync</c>).
    /// </summary>
    /// <param name="after">The client's cursor; it is older than anything the journal holds.</param>
    /// <param name="maxEvents">The most events to return (<see cref="JournalOptions.MaxHistoryEvents"/>, default 1,000).</param>
    /// <param name="cancellationToken">Cancelled when the reconnecting client leaves before the answer.</param>
    /// <remarks>
    /// Called once per resume that needs it, concurrently for concurrent resumes, from any thread; implementations
    /// must be thread-safe. An exception is treated like <see langword="null"/>: the client gets a <c>resync</c>, never an error.
    /// </remarks>
    ValueTask<IReadOnlyList<SseEvent>?> ReadAfterAsync(SseEventId after, int maxEvents, CancellationToken cancellationToken);
}
