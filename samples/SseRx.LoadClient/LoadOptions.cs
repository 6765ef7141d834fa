using System.Globalization;

namespace SseRx.LoadClient;

/// <summary>The settings of one load run; see <see cref="Usage"/>.</summary>
internal sealed class LoadOptions
{
    public const string Usage = """
        SseRx.LoadClient run [options]     open N SSE streams against a loopback URL and measure them
          --url URL            target (loopback only: 127.0.0.0/8, ::1, localhost); default http://127.0.0.1:5080/api/v2/stream
          --streams N          streams to open; default 1000 (must stay below `ulimit -n`)
          --ramp R             connection attempts per second; default 1000
          --warmup S           seconds between the last stream opening and the measurement; default 3
          --duration S         seconds measured; default 20
          --deadline S         hard limit for the whole run, in seconds; default ramp + warmup + duration + 60
          --server-pid PID     server process to read VmRSS and CPU time from (/proc/PID)
          --per-source N       streams per source address in 127.0.0.0/8; default 500
          --connect-timeout S  per stream; default 10
          --label TEXT         name of the run in the output
          --json FILE          also append the JSON result line to FILE
          --open-marker FILE   create FILE once every stream is open (before the warmup), e.g. to sample server counters
        SseRx.LoadClient startup [options] process start to first SSE byte; see `startup --help`
        SseRx.LoadClient compare FILE...   print a comparison table of JSON result lines (first label = subject)
        """;

    public string Url { get; private set; } = "http://127.0.0.1:5080/api/v2/stream";

    public int Streams { get; private set; } = 1000;

    public double Ramp { get; private set; } = 1000;

    public double WarmupSeconds { get; private set; } = 3;

    public double DurationSeconds { get; private set; } = 20;

    public double? DeadlineSeconds { get; private set; }

    public int? ServerPid { get; private set; }

    public int PerSource { get; private set; } = 500;

    public double ConnectTimeoutSeconds { get; private set; } = 10;

    public string Label { get; private set; } = "run";

    public string? JsonFile { get; private set; }

    public string? OpenMarkerFile { get; private set; }

    /// <summary>The hard deadline: the given one, or enough for the ramp, warmup and measurement plus a minute.</summary>
    public TimeSpan Deadline =>
        TimeSpan.FromSeconds(DeadlineSeconds ?? ((Streams / Ramp) + ConnectTimeoutSeconds + WarmupSeconds + DurationSeconds + 60));

    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Next() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            double Positive() => double.Parse(Next(), CultureInfo.InvariantCulture) is var v && v > 0
                ? v
                : throw new ArgumentException($"{name} must be positive.");
            switch (name)
            {
                case "--url": options.Url = Next(); break;
                case "--streams": options.Streams = checked((int)Positive()); break;
                case "--ramp": options.Ramp = Positive(); break;
                case "--warmup": options.WarmupSeconds = double.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--duration": options.DurationSeconds = Positive(); break;
                case "--deadline": options.DeadlineSeconds = Positive(); break;
                case "--server-pid": options.ServerPid = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--per-source": options.PerSource = checked((int)Positive()); break;
                case "--connect-timeout": options.ConnectTimeoutSeconds = Positive(); break;
                case "--label": options.Label = Next(); break;
                case "--json": options.JsonFile = Next(); break;
                case "--open-marker": options.OpenMarkerFile = Next(); break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        return options;
    }
}
