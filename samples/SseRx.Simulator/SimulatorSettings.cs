using System.Globalization;
using SseRx.Host.DynamoDb;
using SseRx.Host.Sentiment;

namespace SseRx.Simulator;

/// <summary>The simulator's settings: from the environment (the host's names), overridden by command-line arguments.</summary>
internal sealed class SimulatorSettings
{
    public const string Usage = """
        SseRx ingest simulator: writes realistic analysed items into the DynamoDB items table.

        Usage: dotnet run --project samples/SseRx.Simulator -- [options]

          --service-url <url>   DynamoDB-compatible server, e.g. http://127.0.0.1:8000   (SseRx__DynamoDb__ServiceUrl; default: AWS)
          --region <name>       AWS region / signing region                            (SseRx__DynamoDb__Region; default us-east-1)
          --table <name>        items table                                            (SseRx__DynamoDb__ItemsTable; default sserx-items)
          --rate <n>            items per second                                       (SseRx__Simulator__EventsPerSecond; default 1)
          --tickers <A,B,...>   ticker mix, earlier tickers more often                 (SseRx__Simulator__Tickers; default 7 large caps)
          --seed <n>            random seed                                            (SseRx__Simulator__Seed; default 42)
          --duration <time>     stop after this long: 90, 90s, 5m, 1h or 00:01:30       (SseRx__Simulator__Duration; default: until Ctrl+C)
          --help                show this text

        Against a loopback server the tables are created if missing. Against AWS the default credential chain is used
        and the tables must exist (the CDK app creates them).
        """;

    public DynamoDbStoreOptions Store { get; } = new();

    public SimulatorOptions Simulator { get; } = new();

    public TimeSpan? Duration { get; private set; }

    public bool ShowHelp { get; private set; }

    /// <summary>Parses the environment, then the arguments; throws <see cref="FormatException"/> with a message for the user.</summary>
    public static SimulatorSettings Parse(IReadOnlyList<string> args, Func<string, string?> environment)
    {
        var settings = new SimulatorSettings();
        settings.Apply("--service-url", environment("SseRx__DynamoDb__ServiceUrl"));
        settings.Apply("--region", environment("SseRx__DynamoDb__Region"));
        settings.Apply("--table", environment("SseRx__DynamoDb__ItemsTable"));
        settings.Apply("--rate", environment("SseRx__Simulator__EventsPerSecond"));
        settings.Apply("--tickers", environment("SseRx__Simulator__Tickers"));
        settings.Apply("--seed", environment("SseRx__Simulator__Seed"));
        settings.Apply("--duration", environment("SseRx__Simulator__Duration"));

        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                settings.ShowHelp = true;
                continue;
            }

            if (i + 1 >= args.Count)
            {
                throw new FormatException($"{name} needs a value.");
            }

            settings.Apply(name, args[++i]);
        }

        settings.Store.CreateTables = settings.Store.IsLocalServer;
        try
        {
            settings.Store.Validate();
            settings.Simulator.Validate();
        }
        catch (ArgumentException e)
        {
            throw new FormatException(e.Message, e);
        }

        return settings;
    }

    private void Apply(string name, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        switch (name)
        {
            case "--service-url":
                Store.ServiceUrl = value;
                break;
            case "--region":
                Store.Region = value;
                break;
            case "--table":
                Store.ItemsTable = value;
                break;
            case "--rate":
                Simulator.EventsPerSecond = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate)
                    ? rate
                    : throw new FormatException($"--rate '{value}' is not a number of items per second.");
                break;
            case "--tickers":
                Simulator.Tickers = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                break;
            case "--seed":
                Simulator.Seed = int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed)
                    ? seed
                    : throw new FormatException($"--seed '{value}' is not an integer.");
                break;
            case "--duration":
                Duration = ParseDuration(value);
                break;
            default:
                throw new FormatException($"Unknown option {name}. Try --help.");
        }
    }

    private static TimeSpan ParseDuration(string value)
    {
        var unit = value[^1] switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            _ => (TimeSpan?)null,
        };
        var number = unit is null ? value : value[..^1];
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var count) && count > 0)
        {
            return (unit ?? TimeSpan.FromSeconds(1)) * count;
        }

        if (unit is null && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }

        throw new FormatException($"--duration '{value}' is not a positive duration (90, 90s, 5m, 1h or 00:01:30).");
    }
}
