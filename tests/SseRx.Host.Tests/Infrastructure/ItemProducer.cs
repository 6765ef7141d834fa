
namespace SseRx.Host.Tests.Infrastructure;

/// <summary>
/// Publishes items into an app's in-memory store on a timer, as an ingest process would, and remembers what it
/// published (in order) so a test can compare it with what clients received.
/// </summary>
/// <remarks>The timer paces the producer; nothing waits on it. Dispose (or <see cref="StopAsync"/>) stops it.</remarks>
public sealed class ItemProducer : IAsyncDisposable
{
    private static readonly string[] DefaultTickers = ["AAPL", "MSFT", "NVDA"];
    private static readonly SentimentLabel[] Labels = [SentimentLabel.Positive, SentimentLabel.Neutral, SentimentLabel.Negative];

    private readonly SseRxApp _app;
    private readonly int _perTick;
    private readonly string[] _tickers;
    private readonly string _idSuffix;
    private readonly List<SentimentItem> _published = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    private ItemProducer(SseRxApp app, TimeSpan period, int perTick, string[] tickers, int idPadding)
    {
        _app = app;
        _perTick = perTick;
        _tickers = tickers;
        _idSuffix = idPadding > 0 ? "-" + new string('x', idPadding) : string.Empty;
        _run = RunAsync(period);
    }

    /// <summary>How many items have been published so far.</summary>
    public int Count
    {
        get
        {
            lock (_published)
            {
                return _published.Count;
            }
        }
    }

    /// <summary>The ids of the items published so far, in publication order (which is also id order).</summary>
    public IReadOnlyList<string> PublishedIds
    {
        get
        {
            lock (_published)
            {
                return _published.Select(static i => i.ItemId).ToList();
            }
        }
    }

    /// <summary>Starts publishing <paramref name="perTick"/> items every <paramref name="period"/>.</summary>
    /// <param name="app">The app whose store receives the items.</param>
    /// <param name="period">The timer period.</param>
    /// <param name="perTick">Items published per tick.</param>
    /// <param name="tickers">The tickers to cycle through; default AAPL, MSFT, NVDA.</param>
    /// <param name="idPadding">Extra characters on each item id, to make events larger on the wire.</param>
    public static ItemProducer Start(SseRxApp app, TimeSpan period, int perTick = 1, string[]? tickers = null, int idPadding = 0) =>
        new(app, period, perTick, tickers ?? DefaultTickers, idPadding);

    /// <summary>Stops publishing and returns once the timer loop has ended.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _run;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan period)
    {
        using var timer = new PeriodicTimer(period);
        var sequence = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
            {
                for (var i = 0; i < _perTick; i++, sequence++)
                {
                    var item = _app.NewItem(_tickers[sequence % _tickers.Length], Labels[sequence % Labels.Length], 0.25 + (sequence % 50 / 100.0));
                    if (_idSuffix.Length > 0)
                    {
                        item = item with { ItemId = item.ItemId + _idSuffix };
                    }

                    // Added and recorded under one lock, so PublishedIds never lists an item the store does not hold yet.
                    lock (_published)
                    {
                        _app.Store.Add(item);
                        _published.Add(item);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }
}
