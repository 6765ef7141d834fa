using System.Globalization;
using SseRx.Host.DynamoDb;

namespace SseRx.Fleet.Tests.Infrastructure;

/// <summary>
/// Writes items to the fleet's table at a steady pace while a test runs, each stamped just before its write (the writer
/// contract of the resume model), with ids <c>{prefix}{n:D5}</c> so a test counts only its own.
/// </summary>
internal sealed class ItemWriter(DynamoDbSentimentWriter writer, string prefix, TimeSpan every)
{
    private static readonly string[] Tickers = ["AAPL", "MSFT", "NVDA", "TSLA"];
    private readonly List<string> _written = [];

    /// <summary>The ids written so far.</summary>
    public IReadOnlyList<string> Written
    {
        get
        {
            lock (_written)
            {
                return [.. _written];
            }
        }
    }

    /// <summary>Writes until cancelled; a failed write fails the test.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var ticks = new PeriodicTimer(every);
        var n = 0;
        try
        {
            while (await ticks.WaitForNextTickAsync(cancellationToken))
            {
                n++;
                var score = ((n % 7) - 3) / 4.0;
                var item = new SentimentItem(
                    string.Create(CultureInfo.InvariantCulture, $"{prefix}{n:D5}"),
                    Tickers[n % Tickers.Length],
                    score > 0.2 ? SentimentLabel.Positive : score < -0.2 ? SentimentLabel.Negative : SentimentLabel.Neutral,
                    score,
                    DateTimeOffset.UtcNow);
                await writer.WriteAsync(item, CancellationToken.None);
                lock (_written)
                {
                    _written.Add(item.ItemId);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
