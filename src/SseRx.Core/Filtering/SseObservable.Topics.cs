using System.Reactive.Linq;

namespace SseRx;

public static partial class SseObservable
{
    /// <summary>
    /// Passes events about the given topics, and every event without a topic (<see cref="SseEvent.Topic"/> is
    /// <see langword="null"/>: heartbeats, resyncs, state that concerns everyone).
    /// </summary>
    /// <param name="source">The events.</param>
    /// <param name="topics">
    /// The topic sets to filter by (your choice of key: a product, a tenant, a build). The latest set applies from the
    /// moment it arrives, so an edited subscription changes an open stream without a reconnect. Events with a topic
    /// before the first set are dropped. An error of <paramref name="topics"/> ends the sequence; its completion keeps the
    /// last set. A <see langword="null"/> set drops every event with a topic. Membership uses the set's own comparer.
    /// </param>
    /// <remarks>
    /// <paramref name="topics"/> is subscribed before <paramref name="source"/>, so a set it replays on subscription
    /// (a <c>BehaviorSubject</c>, say) already applies to the first events. Filtering an event takes no lock and
    /// allocates nothing. Completion and errors of <paramref name="source"/> pass through. Disposing the subscription,
    /// or either sequence ending the result, disposes both subscriptions.
    /// </remarks>
    public static IObservable<SseEvent> WhereTopics(this IObservable<SseEvent> source, IObservable<IReadOnlySet<string>> topics)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(topics);
        return new TopicFilterObservable(source, topics);
    }

    /// <summary>Passes events about <paramref name="topics"/> and every event without a topic.</summary>
    /// <param name="source">The events.</param>
    /// <param name="topics">
    /// The topics to pass, compared with the set's own comparer. The set is not copied: it must not change while the
    /// result is subscribed.
    /// </param>
    public static IObservable<SseEvent> WhereTopics(this IObservable<SseEvent> source, IReadOnlySet<string> topics)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(topics);
        return source.Where(e => TopicFilterObservable.Passes(e, topics));
    }
}
