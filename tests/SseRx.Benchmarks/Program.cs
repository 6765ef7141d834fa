// Micro-benchmarks for the hot paths: formatting an event once, the journal, connecting, and fan-out of one event
// to many connections. Every class has [MemoryDiagnoser], so "Allocated" shows what each operation allocates.
//
//   dotnet run -c Release --project tests/SseRx.Benchmarks -- --filter '*' --job short
//   dotnet run -c Release --project tests/SseRx.Benchmarks -- --filter '*FanOut*' --job short
//   dotnet run -c Release --project tests/SseRx.Benchmarks -- --list flat
//
// Also a small runtime-counters reader for the load scripts (dotnet-counters is not installed here):
//   dotnet tests/SseRx.Benchmarks/bin/Release/net10.0/SseRx.Benchmarks.dll counters --pid PID --seconds 5
// and a live-heap histogram by type (dotnet-gcdump is not installed either):
//   dotnet tests/SseRx.Benchmarks/bin/Release/net10.0/SseRx.Benchmarks.dll heap --pid PID --per STREAMS
using SseRx.Benchmarks;

if (args.Length > 0 && args[0] == "counters")
{
    return RuntimeCounters.Run(args[1..]);
}

if (args.Length > 0 && args[0] == "heap")
{
    return HeapHistogram.Run(args[1..]);
}

BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
