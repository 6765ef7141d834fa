namespace SseRx;

/// <summary>
/// State derived from a feed's entries, sent as state events: the latest value per key (for example aggregate
/// metrics), which a new client gets at once and a resuming client gets when it changed.
/// </summary>
/// <typeparam name="TEntry">The entry type.</typeparam>
/// <remarks>
/// The feed calls a projection from one thread at a time and never under a lock: <see cref="Apply"/> for every settled
/// entry once, in position order (on its first poll, for every entry of the last <see cref="Window"/>), then
/// <see cref="Collect"/> once per poll. An exception ends that poll's subscription with <c>OnError</c>.
/// </remarks>
public interface IStateProjection<in TEntry>
{
    /// <summary>How far back a feed's first poll reads to build the state, for example 24 hours of metrics; zero for none.</summary>
    TimeSpan Window { get; }

    /// <summary>Folds one settled entry into the state.</summary>
    /// <param name="entry">The entry; entries arrive once each, in position order.</param>
    void Apply(TEntry entry);

    /// <summary>
    /// Adds a state event for every key whose value changed since the last call (every key, on the first call), each
    /// with the id <see cref="SseEventId.ForState"/>(<paramref name="watermark"/>, key).
    /// </summary>
    /// <param name="watermark">The feed's watermark: the state covers every entry stamped at or before it.</param>
    /// <param name="changes">Receives the events, in any order.</param>
    void Collect(DateTimeOffset watermark, ICollection<SseEvent> changes);
}
