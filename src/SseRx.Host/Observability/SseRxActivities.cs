using System.Diagnostics;

namespace SseRx.Host.Observability;

/// <summary>
/// The host's <see cref="ActivitySource"/> (<c>SseRx</c>), its span names and tag names. Spans cost nothing but a
/// listener check while nothing listens (traces disabled and no test listener).
/// </summary>
internal static class SseRxActivities
{
    /// <summary>The source name the tracer provider (and any <see cref="ActivityListener"/>) subscribes to.</summary>
    public const string SourceName = "SseRx";

    /// <summary>One read of the store by the shared feed: <see cref="IEntryLog{TEntry}.ReadAsync"/> (kind Client, a root span).</summary>
    public const string Poll = "sserx.poll";

    /// <summary>One SSE connection, from admission to the end of the response (kind Server).</summary>
    public const string Stream = "sserx.stream";

    /// <summary>Resolving a <c>Last-Event-ID</c> into a replay (kind Internal, a child of <see cref="Stream"/>).</summary>
    public const string Resume = "sserx.resume";

    /// <summary>The shared source. Never disposed: it lives as long as the process.</summary>
    public static readonly ActivitySource Source = new(SourceName, typeof(SseRxActivities).Assembly.GetName().Version?.ToString());

    /// <summary>Tag names.</summary>
    public static class Tags
    {
        /// <summary><c>global</c> or <c>configuration</c>.</summary>
        public const string StreamKind = "sserx.stream.kind";

        /// <summary>The caller's user id, when the request carries one.</summary>
        public const string UserId = "enduser.id";

        /// <summary>The request's connection id (ASP.NET Core's <c>TraceIdentifier</c>).</summary>
        public const string ConnectionId = "sserx.connection.id";

        /// <summary>Events written and flushed to the client.</summary>
        public const string EventsSent = "sserx.events_sent";

        /// <summary>Why the stream ended; see <see cref="SseRx.AspNetCore.SseStreamEnd"/>.</summary>
        public const string EndReason = "sserx.end_reason";

        /// <summary>The <c>Last-Event-ID</c> the client resumed from.</summary>
        public const string LastEventId = "sserx.last_event_id";

        /// <summary><c>journal</c>, <c>history</c> or <c>resync</c>.</summary>
        public const string ResumeOutcome = "sserx.resume.outcome";

        /// <summary>The <c>reason</c> of a <c>resync</c>: <c>malformed</c>, <c>unknown</c>, <c>too_old</c>.</summary>
        public const string ResyncReason = "sserx.resume.resync_reason";

        /// <summary>Events replayed from the journal while the resume was subscribed.</summary>
        public const string ReplayedEvents = "sserx.resume.replayed_events";

        /// <summary>Events the store returned for a history resume.</summary>
        public const string HistoryEvents = "sserx.resume.history_events";

        /// <summary>New items in a poll's batch.</summary>
        public const string NewItems = "sserx.poll.new_items";

        /// <summary>The store's type (the <see cref="IEntryLog{TEntry}"/> implementation).</summary>
        public const string SourceType = "sserx.poll.source";
    }
}
