// A measurement client for SSE servers on this machine: opens thousands of streams over raw sockets and reports
// streams opened and refused, deliveries/s, broadcast spread and server memory per stream. Loopback targets only.
//
//   dotnet samples/SseRx.LoadClient/bin/Release/net10.0/SseRx.LoadClient.dll run --streams 5000 --server-pid 1234
//   samples/SseRx.LoadClient/run-comparison.sh        (SseRx against the stock baseline, every scenario)
using SseRx.LoadClient;

var mode = args.Length > 0 && !args[0].StartsWith('-') ? args[0] : "run";
var rest = args.Length > 0 && !args[0].StartsWith('-') ? args[1..] : args;
if (rest.Contains("--help") || rest.Contains("-h"))
{
    Console.WriteLine(mode switch { "startup" => StartupProbe.Usage, "latency" => LatencyProbe.Usage, _ => LoadOptions.Usage });
    return 0;
}

try
{
    switch (mode)
    {
        case "startup":
            return StartupProbe.Run(rest);
        case "compare":
            return Comparison.Run(rest);
        case "latency":
            return await LatencyProbe.RunAsync(rest);
        case "run":
            break;
        default:
            Console.Error.WriteLine(LoadOptions.Usage);
            return 2;
    }

    var options = LoadOptions.Parse(rest);
    var target = LoopbackTarget.Parse(options.Url);

    // Each stream is one file descriptor; leave room for the runtime's own.
    const int Reserve = 64;
    var limit = ProcStats.OpenFileLimit();
    if (limit is { } max && options.Streams + Reserve > max)
    {
        Console.Error.WriteLine(
            $"--streams {options.Streams} needs {options.Streams + Reserve} file descriptors but `ulimit -n` is {max}. " +
            $"Ask for at most {max - Reserve} streams or raise the limit.");
        return 2;
    }

    using var cancel = new CancellationTokenSource(options.Deadline);
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        cancel.Cancel();
    };

    // The cancellation above ends each phase early; this is the last resort if a phase still hangs.
    using var watchdog = new Timer(
        _ =>
        {
            Console.Error.WriteLine($"Hard deadline of {options.Deadline.TotalSeconds:0} s (+15 s grace) passed; exiting.");
            Environment.Exit(3);
        },
        null,
        options.Deadline + TimeSpan.FromSeconds(15),
        Timeout.InfiniteTimeSpan);

    var result = await new LoadRun(options, target).RunAsync(cancel.Token);
    LoadRun.Print(result, Console.Out);
    LoadRun.WriteJson(result, Console.Out, options.JsonFile);
    return result.Opened + result.Pending > 0 ? 0 : 1;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(mode switch { "startup" => StartupProbe.Usage, "latency" => LatencyProbe.Usage, _ => LoadOptions.Usage });
    return 2;
}
