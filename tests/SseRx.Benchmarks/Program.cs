// Micro-benchmarks for the hot paths: formatting an event once, the journal, and fan-out of one event to many
// connections. Every class has [MemoryDiagnoser], so "Allocated" shows what each operation allocates.
//
//   dotnet run -c Release --project tests/SseRx.Benchmarks -- --filter '*' --job short
//   dotnet run -c Release --project tests/SseRx.Benchmarks -- --filter '*FanOut*' --job short
//   dotnet run -c Release --project tests/SseRx.Benchmarks -- --list flat
BenchmarkDotNet.Running.BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
