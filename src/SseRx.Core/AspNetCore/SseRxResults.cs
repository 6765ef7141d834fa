using Microsoft.AspNetCore.Http;

namespace SseRx.AspNetCore;

/// <summary>Results for minimal-API handlers, in the style of <c>TypedResults</c>.</summary>
public static class SseRxResults
{
    /// <summary>
    /// Streams <paramref name="journal"/> to this request: resumed from the client's <c>Last-Event-ID</c> (header or
    /// <c>lastEventId</c> query), through <paramref name="pipeline"/> if given, with heartbeats, lifetime and the
    /// slow-consumer policy of <paramref name="options"/> (default <see cref="SseRxOptions.Stream"/>). Return it from a
    /// handler after your own checks (authentication, a 404 for an unknown resource) have passed.
    /// </summary>
    /// <param name="journal">The journal every stream of this kind reads.</param>
    /// <param name="options">This endpoint's stream options; <see langword="null"/> for the defaults.</param>
    /// <param name="pipeline">
    /// Shapes this request's events after the journal's replay, for example
    /// <see cref="SseObservable.WhereTopics(IObservable{SseEvent}, IObservable{IReadOnlySet{string}})"/>; ids must keep increasing.
    /// </param>
    public static SseStreamResult Stream(
        EventJournal journal, SseStreamOptions? options = null, Func<IObservable<SseEvent>, IObservable<SseEvent>>? pipeline = null)
    {
        ArgumentNullException.ThrowIfNull(journal);
        options?.Validate();
        return new SseStreamResult(journal, options, pipeline);
    }

    /// <summary>
    /// The 400 the stream would answer for this request's <c>Last-Event-ID</c> (header or <c>lastEventId</c> query) when it
    /// is longer than <see cref="SseStreamResult.MaxLastEventIdLength"/>; otherwise <see langword="null"/>. Call it first
    /// in a handler that does costly checks (a store lookup) before it returns <see cref="Stream"/>, so a bad id costs
    /// nothing; <see cref="Stream"/> checks again either way.
    /// </summary>
    /// <param name="httpContext">The request.</param>
    public static IResult? ValidateLastEventId(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        return SseStreamResult.TryReadLastEventId(httpContext, out _) ? null : SseStreamResult.InvalidLastEventId();
    }
}
