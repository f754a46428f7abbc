using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/Switchyard.Benchmarks -- --filter '*'   (add --job short for a quick pass)
BenchmarkSwitcher.FromAssembly(typeof(Switchyard.Benchmarks.RequestPathBenchmarks).Assembly).Run(args);
