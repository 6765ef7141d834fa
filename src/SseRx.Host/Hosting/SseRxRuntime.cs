using System.Reactive.Concurrency;
using Microsoft.Extensions.Options;
using SseRx.Host.Sentiment;

namespace SseRx.Host.Hosting;

/// <summary>
/// The per-process half of the data flow: ONE feed polling the store, ONE journal every stream subscribes from,
/// ONE gate admitting streams. However many connections are open, the store is polled once per interval.
/// </summary>
/// <remarks>
/// A DI singleton. Nothing polls until the first stream subscribes to <see cref="Journal"/>, and polling stops
/// when the last one leaves. Thread-safe. Disposing it (with the container, at shutdown) completes every reader.
/// </remarks>
internal sealed partial class SseRxRuntime : IDisposable
{
    private readonly ILogger<SseRxRuntime> _logger;
    private readonly IDisposable _healthLog;
    private PollState _lastLoggedState = PollState.Starting;

    public SseRxRuntime(
        IEntryLog<SentimentItem> items,
        IOptions<SseRxHostOptions> options,
        IScheduler scheduler,
        ILogger<SseRxRuntime> logger,
        IEventHistory? history = null,
        StoreFailurePolicy? failures = null,
        IStateProjection<SentimentItem>? projection = null)
    {
        Options = options.Value;
        Scheduler = scheduler;
        _logger = logger;

        Health = new PollHealth();
        var poll = failures is null
            ? new PollOptions { Interval = Options.PollInterval }
            : new PollOptions { Interval = Options.PollInterval, IsTransient = failures.IsTransient };
        Feed = SentimentFeed.Create(items, poll, scheduler, Health, Options.Journal.RecentItems, projection, OnLateItem);
        Journal = Feed.ToJournal(
            new JournalOptions
            {
                Capacity = Options.Journal.Capacity,
                MaxAge = Options.Journal.MaxAge,
                RecentEntries = Options.Journal.RecentItems,
                History = history ?? Feed.History(),
            },
            scheduler);
        _healthLog = Health.Subscribe(LogHealthChange);
    }

    /// <summary>The validated settings.</summary>
    public SseRxHostOptions Options { get; }

    /// <summary>The clock and timer source of every pipeline (substituted in tests).</summary>
    public IScheduler Scheduler { get; }

    /// <summary>The shared poller's health, for <c>/health</c>.</summary>
    public PollHealth Health { get; }

    /// <summary>The shared feed over the configured store.</summary>
    public SseFeed<SentimentItem> Feed { get; }

    /// <summary>The replay journal every stream resumes from.</summary>
    public EventJournal Journal { get; }

    public void Dispose()
    {
        _healthLog.Dispose();
        Journal.Dispose();
    }

    private void LogHealthChange(PollStatus status)
    {
        // Log transitions only: a failing store would otherwise log once per backoff step.
        var previous = _lastLoggedState;
        _lastLoggedState = status.State;
        if (status.State == previous)
        {
            return;
        }

        switch (status.State)
        {
            case PollState.Degraded or PollState.Failed:
                LogPollFailing(_logger, status.State, status.ConsecutiveFailures, status.NextAttemptIn, status.LastError);
                break;
            case PollState.Healthy when previous is PollState.Degraded or PollState.Failed:
                LogPollRecovered(_logger);
                break;
        }
    }

    private void OnLateItem(SentimentItem item, SseEventId position) =>
        LogLateItem(_logger, item.ItemId, item.Timestamp, Scheduler.Now - item.Timestamp, Feed.LateEntries);

    [LoggerMessage(
        Level = LogLevel.Warning,
        Message = "Item {ItemId} stamped {Timestamp:O} became readable only after every poll had passed it (about {Lateness} late) and " +
            "was not streamed ({Total} such item(s) so far). Writers must stamp an item just before writing it; raise the store's " +
            "visibility bound (SseRx:DynamoDb:ClockSkew) if writes take longer.")]
    private static partial void LogLateItem(ILogger logger, string itemId, DateTimeOffset timestamp, TimeSpan lateness, long total);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Polling the store is {State} after {Failures} consecutive failure(s); next attempt in {NextAttemptIn}")]
    private static partial void LogPollFailing(ILogger logger, PollState state, int failures, TimeSpan nextAttemptIn, Exception? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Polling the store has recovered")]
    private static partial void LogPollRecovered(ILogger logger);
}
