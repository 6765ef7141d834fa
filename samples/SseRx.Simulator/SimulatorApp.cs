using System.Reactive.Concurrency;
using System.Reactive.Linq;
using System.Reactive.Threading.Tasks;
using SseRx.Host.DynamoDb;
using SseRx.Host.Sentiment;

namespace SseRx.Simulator;

/// <summary>Runs the simulator: checks (or, locally, creates) the tables, then writes generated items until stopped.</summary>
internal static class SimulatorApp
{
    private const int BatchSize = DynamoDbSentimentWriter.MaxBatchSize;
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan ReportInterval = TimeSpan.FromSeconds(5);

    /// <summary>Returns the process exit code: 0 when it ran, 1 for a start-up problem, 2 for bad arguments.</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, Func<string, string?> environment, TextWriter output, CancellationToken cancellationToken)
    {
        SimulatorSettings settings;
        try
        {
            settings = SimulatorSettings.Parse(args, environment);
        }
        catch (FormatException e)
        {
            await output.WriteLineAsync(e.Message + Environment.NewLine + Environment.NewLine + SimulatorSettings.Usage);
            return 2;
        }

        if (settings.ShowHelp)
        {
            await output.WriteLineAsync(SimulatorSettings.Usage);
            return 0;
        }

        using var client = DynamoDbClientFactory.Create(settings.Store);
        try
        {
            await DynamoDbTables.EnsureCreatedAsync(client, settings.Store, settings.Store.MayCreateTables, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            await output.WriteLineAsync(e.Message);
            return 1;
        }

        var written = await WriteAsync(client, settings, output, cancellationToken);
        await output.WriteLineAsync($"Done: {written} items written.");
        return 0;
    }

    /// <summary>Writes items until the duration ends or <paramref name="cancellationToken"/> fires; returns how many.</summary>
    private static async Task<long> WriteAsync(Amazon.DynamoDBv2.IAmazonDynamoDB client, SimulatorSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        var writer = new DynamoDbSentimentWriter(client, settings.Store);
        var options = settings.Simulator;
        await output.WriteLineAsync(
            $"Writing {options.EventsPerSecond} item(s)/s for {string.Join(',', options.Tickers)} (seed {options.Seed}) into " +
            $"'{settings.Store.ItemsTable}' at {DynamoDbClientFactory.DescribeEndpoint(client)}" +
            (settings.Duration is { } d ? $" for {d}." : ". Ctrl+C to stop."));

        var items = SentimentSimulator.Generate(options, Scheduler.Default);
        if (settings.Duration is { } duration)
        {
            items = items.TakeUntil(Observable.Timer(duration, Scheduler.Default));
        }

        long count = 0;
        var nextReport = ReportInterval;
        var started = Scheduler.Default.Now;

        // Batches are written one after another, so a slow table slows the simulator down instead of piling up requests.
        var writes = items
            .Buffer(BatchWindow, BatchSize)
            .Where(batch => batch.Count > 0)
            .Select(batch => Observable.FromAsync(async ct =>
            {
                await writer.WriteBatchAsync(batch.ToArray(), ct);
                var total = Interlocked.Add(ref count, batch.Count);
                var elapsed = Scheduler.Default.Now - started;
                if (elapsed >= nextReport)
                {
                    nextReport = elapsed + ReportInterval;
                    await output.WriteLineAsync($"{elapsed:hh\\:mm\\:ss} {total} items written");
                }
            }))
            .Concat();

        try
        {
            await writes.DefaultIfEmpty().ToTask(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: stop quietly and report what was written.
        }

        return Interlocked.Read(ref count);
    }
}
