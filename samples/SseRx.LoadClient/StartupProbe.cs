using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;

namespace SseRx.LoadClient;

/// <summary>The result of <see cref="StartupProbe"/>: wall times from process start, in milliseconds.</summary>
internal sealed record StartupResult
{
    public required string Label { get; init; }

    public required string Command { get; init; }

    public required int Runs { get; init; }

    /// <summary>Per run: process start to the first complete SSE event of a response (its blank line).</summary>
    public required double[] FirstEventMs { get; init; }

    /// <summary>Per run: process start to the end of the response head (status line and headers).</summary>
    public required double[] HeadMs { get; init; }

    /// <summary>Per run: CPU time (user + system) the server process had used when its first event arrived.</summary>
    public required double[] CpuMs { get; init; }

    public required double MedianFirstEventMs { get; init; }

    /// <summary>The CPU the server burns to get there; unlike wall time it hardly depends on other load on the machine.</summary>
    public required double MedianCpuMs { get; init; }

    public required double MedianHeadMs { get; init; }

    /// <summary>Per run: the server's resident set (VmRSS) when its first event arrived, in MiB.</summary>
    public double[] RssMb { get; init; } = [];

    /// <summary>The median of <see cref="RssMb"/>.</summary>
    public double MedianRssMb { get; init; } = double.NaN;
}

/// <summary>
/// Measures process start to first SSE byte: starts a server command, connects to a loopback stream URL every
/// 2 ms until it answers, and times the response head and the first event against the moment before
/// <see cref="Process.Start()"/>. Kills the process after each run.
/// </summary>
internal static class StartupProbe
{
    public const string Usage = """
        SseRx.LoadClient startup --url URL [--runs 5] [--timeout S] [--label TEXT] [--json FILE] -- COMMAND [ARGS...]
          Starts COMMAND (environment inherited), times process start to the first SSE event on URL (loopback only),
          kills it, repeats; prints each run and the median.
        """;

    public static int Run(IReadOnlyList<string> args)
    {
        var url = "http://127.0.0.1:5080/api/v2/stream";
        var runs = 5;
        var timeout = TimeSpan.FromSeconds(20);
        var label = "startup";
        string? jsonFile = null;
        var separator = args.ToList().IndexOf("--");
        if (separator < 0 || separator == args.Count - 1)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }

        for (var i = 0; i < separator; i++)
        {
            var name = args[i];
            var value = i + 1 < separator ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--url": url = value; break;
                case "--runs": runs = int.Parse(value, CultureInfo.InvariantCulture); break;
                case "--timeout": timeout = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)); break;
                case "--label": label = value; break;
                case "--json": jsonFile = value; break;
                default: throw new ArgumentException($"Unknown option '{name}'.");
            }
        }

        var target = LoopbackTarget.Parse(url);
        var command = args.Skip(separator + 1).ToArray();
        var heads = new List<double>();
        var firsts = new List<double>();
        var cpus = new List<double>();
        var rss = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var (head, first, cpu, rssMb) = Once(target, command, timeout);
            heads.Add(head);
            firsts.Add(first);
            cpus.Add(cpu);
            rss.Add(rssMb);
            Console.Error.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"[{label}] run {run}: response head {head:0.0} ms, first event {first:0.0} ms, server CPU {cpu:0} ms, RSS {rssMb:0.0} MiB"));
        }

        var result = new StartupResult
        {
            Label = label,
            Command = string.Join(' ', command),
            Runs = runs,
            FirstEventMs = [.. firsts],
            HeadMs = [.. heads],
            CpuMs = [.. cpus],
            MedianFirstEventMs = Median(firsts),
            MedianCpuMs = Median(cpus),
            MedianHeadMs = Median(heads),
            RssMb = [.. rss],
            MedianRssMb = Median(rss),
        };
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"== {label}: median of {runs}: process start to first SSE event {result.MedianFirstEventMs:0.0} ms (response head {result.MedianHeadMs:0.0} ms; server CPU used by then {result.MedianCpuMs:0} ms; RSS then {result.MedianRssMb:0.0} MiB)"));
        var json = JsonSerializer.Serialize(result, LoadJsonContext.Default.StartupResult);
        Console.WriteLine(json);
        if (jsonFile is not null)
        {
            File.AppendAllText(jsonFile, json + Environment.NewLine);
        }

        return firsts.All(double.IsFinite) ? 0 : 1;
    }

    private static (double HeadMs, double FirstEventMs, double CpuMs, double RssMb) Once(LoopbackTarget target, string[] command, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1))
        {
            info.ArgumentList.Add(arg);
        }

        var started = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{command[0]}'.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var deadline = started + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"The server exited with code {process.ExitCode} before answering.");
                }

                if (TryReadFirstEvent(target, deadline, out var head, out var first))
                {
                    var cpu = ProcStats.ReadCpuSeconds(process.Id) is { } seconds ? seconds * 1000 : double.NaN;
                    var rss = ProcStats.ReadRss(process.Id) is { } bytes ? bytes / (1024.0 * 1024.0) : double.NaN;
                    return (Ms(started, head), Ms(started, first), cpu, rss);
                }

                Thread.Sleep(2);
            }

            return (double.NaN, double.NaN, double.NaN, double.NaN);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }

    /// <summary>One attempt: false while nothing listens; true once a response head and a first event arrived.</summary>
    private static bool TryReadFirstEvent(LoopbackTarget target, long deadline, out long head, out long first)
    {
        head = first = 0;
        using var socket = new Socket(target.EndPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Connect(target.EndPoint);
        }
        catch (SocketException)
        {
            return false;
        }

        socket.Send(target.Request);
        socket.ReceiveTimeout = 1000;
        var buffer = new byte[16 * 1024];
        var length = 0;
        var bodyStart = -1;
        while (Stopwatch.GetTimestamp() < deadline && length < buffer.Length)
        {
            int received;
            try
            {
                received = socket.Receive(buffer, length, buffer.Length - length, SocketFlags.None);
            }
            catch (SocketException)
            {
                return false;
            }

            if (received == 0)
            {
                return false;
            }

            var now = Stopwatch.GetTimestamp();
            length += received;
            var span = buffer.AsSpan(0, length);
            if (bodyStart < 0)
            {
                var end = span.IndexOf("\r\n\r\n"u8);
                if (end < 0)
                {
                    continue;
                }

                if (!span.StartsWith("HTTP/1.1 200"u8))
                {
                    // Not ready yet (for example 503 while starting); try again with a new connection.
                    return false;
                }

                head = now;
                bodyStart = end + 4;
            }

            // Chunk framing lines end with CRLF, so an LF LF pair in the body can only be an SSE event's end.
            if (span[bodyStart..].IndexOf("\n\n"u8) >= 0)
            {
                first = now;
                return true;
            }
        }

        return false;
    }

    private static double Ms(long from, long to) => Math.Round((to - from) * 1000.0 / Stopwatch.Frequency, 1);

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN :
            sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
