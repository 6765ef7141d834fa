using System.Reactive.Concurrency;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace SseRx.AspNetCore;

/// <summary>Maps SSE endpoints.</summary>
public static class SseRxEndpointRouteBuilderExtensions
{
    /// <summary>Maps <c>GET <paramref name="pattern"/></c> to a stream of <paramref name="journal"/> (see <see cref="SseRxResults.Stream"/>).</summary>
    /// <param name="endpoints">The routes.</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="journal">The journal the endpoint streams; the caller owns it.</param>
    /// <param name="options">The endpoint's stream options; <see langword="null"/> for <see cref="SseRxOptions.Stream"/>.</param>
    /// <returns>The endpoint's builder (name it, require authorization, rate-limit it, ...).</returns>
    public static IEndpointConventionBuilder MapSseRx(
        this IEndpointRouteBuilder endpoints, string pattern, EventJournal journal, SseStreamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        var result = SseRxResults.Stream(journal, options);
        return endpoints.MapGet(pattern, result.ExecuteAsync).WithMetadata(SseStreamMetadata.Instance);
    }

    /// <summary>
    /// Maps <c>GET <paramref name="pattern"/></c> to a resumable stream of <paramref name="events"/>, through a journal
    /// made here and disposed when the application stops. Event ids must increase (a time and a key: see
    /// <see cref="SseEventId"/>); state events (ids from <see cref="SseEventId.ForState"/>) are what a new client gets at once.
    /// </summary>
    /// <param name="endpoints">The routes.</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="events">
    /// The events, subscribed from now until the application stops, whether or not anyone listens (see
    /// <see cref="EventJournal.Connect"/>), so a push source's events reach the journal and a client that resumes finds them.
    /// </param>
    /// <param name="journal">The journal's options (default: 100 events, 5 minutes).</param>
    /// <param name="options">The endpoint's stream options; <see langword="null"/> for <see cref="SseRxOptions.Stream"/>.</param>
    /// <returns>The endpoint's builder.</returns>
    public static IEndpointConventionBuilder MapSseRx(
        this IEndpointRouteBuilder endpoints,
        string pattern,
        IObservable<SseEvent> events,
        JournalOptions? journal = null,
        SseStreamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(events);
        var owned = Own(endpoints, events.ToJournal(journal ?? new JournalOptions(), Scheduler(endpoints)));
        owned.Connect();
        return endpoints.MapSseRx(pattern, owned, options);
    }

    /// <summary>
    /// Maps <c>GET <paramref name="pattern"/></c> to a resumable stream of a <see cref="SseFeed{TEntry}"/>, through a
    /// journal made here (its history, unless <paramref name="journal"/> names another, is the feed's store) and disposed
    /// when the application stops. Clients resume anywhere, on any instance: see <c>docs/event-ids-and-resume.md</c>.
    /// </summary>
    /// <param name="endpoints">The routes.</param>
    /// <param name="pattern">The route pattern.</param>
    /// <param name="feed">The feed, polled while someone listens.</param>
    /// <param name="journal">The journal's options (default: 100 events, 5 minutes, the feed's store as history).</param>
    /// <param name="options">The endpoint's stream options; <see langword="null"/> for <see cref="SseRxOptions.Stream"/>.</param>
    /// <returns>The endpoint's builder.</returns>
    public static IEndpointConventionBuilder MapSseRx<TEntry>(
        this IEndpointRouteBuilder endpoints,
        string pattern,
        SseFeed<TEntry> feed,
        JournalOptions? journal = null,
        SseStreamOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(feed);
        journal ??= new JournalOptions();
        journal.History ??= feed.History();
        return endpoints.MapSseRx(pattern, Own(endpoints, feed.ToJournal(journal, Scheduler(endpoints))), options);
    }

    private static IScheduler Scheduler(IEndpointRouteBuilder endpoints) =>
        endpoints.ServiceProvider.GetService<IScheduler>() ?? System.Reactive.Concurrency.Scheduler.Default;

    /// <summary>Disposes <paramref name="journal"/> when the application stops, which ends its streams.</summary>
    private static EventJournal Own(IEndpointRouteBuilder endpoints, EventJournal journal)
    {
        endpoints.ServiceProvider.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(journal.Dispose);
        return journal;
    }
}
