namespace SseRx.Simulator;

/// <summary>Entry point: <c>dotnet run --project samples/SseRx.Simulator -- --help</c>.</summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        return await SimulatorApp.RunAsync(args, Environment.GetEnvironmentVariable, Console.Out, stop.Token);
    }
}
