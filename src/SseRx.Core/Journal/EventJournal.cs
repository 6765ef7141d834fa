using System.Reactive.Concurrency;

namespace SseRx;

/// <summary>
/// A hot, bounded replay buffer of events, and the place every connection subscribes from.
/// </summary>
/// <remarks>
/// <para>
/// The journal subscribes to its source when the first reader subscribes and unsubscribes when the last one
/// leaves; the events it holds stay available for replay in between. It keeps at most
/// <see cref="JournalOptions.Capacity"/> events, none older than <see cref="JournalOptions.MaxAge"/>, and
/// always remembers the latest <c>metrics</c> event so a new or resyncing client gets the current snapshot.
/// </para>
/// <para>All members are thread-safe. Disposing the journal completes every reader.</para>
/// </remarks>
public sealed class EventJournal : IDisposable
{
    /// <summary>Creates a journal over <paramref name="source"/>.</summary>
    /// <param name="source">The live events, usually shared (one poll per process).</param>
    /// <param name="options">Bounds and history; validated here.</param>
    /// <param name="scheduler">The clock for <see cref="JournalOptions.MaxAge"/> and <see cref="JournalOptions.HistoryWindow"/>.</param>
    public EventJournal(IObservable<SseEvent> source, JournalOptions options, IScheduler scheduler)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scheduler);
        options.Validate();
        throw new NotImplementedException();
    }

    /// <summary>The id of the newest event appended, or <see langword="null"/> before the first.</summary>
    public SseEventId? Head => throw new NotImplementedException();

    /// <summary>The latest <c>metrics</c> event, even if it has left the replay buffer.</summary>
    public SseEvent? LatestMetrics => throw new NotImplementedException();

    /// <summary>The number of events held for replay.</summary>
    public int Count => throw new NotImplementedException();

    /// <summary>The number of current readers (subscriptions made through <see cref="ResumeFrom"/>).</summary>
    public int ReaderCount => throw new NotImplementedException();

    /// <summary>
    /// The events a client should see after <paramref name="lastEventId"/>, then the live events.
    /// </summary>
    /// <param name="lastEventId">The client's <c>Last-Event-ID</c>, or <see langword="null"/>/empty for a new client.</param>
    /// <returns>
    /// <list type="bullet">
    /// <item>No id: the latest <c>metrics</c> event (if any), then live events.</item>
    /// <item>An id within the journal: every held event after it, in order, then live events, with no gap and no duplicate
    /// even when events arrive while the replay runs.</item>
    /// <item>An older id within <see cref="JournalOptions.HistoryWindow"/>, with a <see cref="JournalOptions.History"/>:
    /// the store's events after it, then the journal's, then live.</item>
    /// <item>An id that is malformed, unknown or too old: one <c>resync</c> event (reason <c>malformed</c>,
    /// <c>unknown</c> or <c>too_old</c>), the latest <c>metrics</c> event, then live events. Never an error.</item>
    /// </list>
    /// </returns>
    public IObservable<SseEvent> ResumeFrom(string? lastEventId) => throw new NotImplementedException();

    /// <summary>Completes every reader and releases the source subscription.</summary>
    public void Dispose() => throw new NotImplementedException();
}
