using BenchmarkDotNet.Attributes;
using Switchyard.Providers;
using Switchyard.Routing;

namespace Switchyard.Benchmarks;

/// <summary>
/// The idle clock of a 500-event stream: what the call timers cost per stream, against moving a cancellation timer on
/// every event (what they did before; <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> takes the timer queue's
/// lock each time).
/// </summary>
[MemoryDiagnoser]
public class CallTimerBenchmarks
{
    private const int Events = 500;

    [Benchmark(Baseline = true, Description = "500 events: CancelAfter on every event")]
    public bool CancelAfterPerEvent()
    {
        using var source = new CancellationTokenSource();
        source.CancelAfter(TimeoutOptions.Default.FirstByte);
        for (var i = 0; i < Events; i++) source.CancelAfter(TimeoutOptions.Default.Idle);
        return source.IsCancellationRequested;
    }

    [Benchmark(Description = "500 events: CallTimers")]
    public bool CallTimersPerStream()
    {
        using var timers = new CallTimers(TimeoutOptions.Default, CancellationToken.None);
        timers.FirstByteArrived();
        for (var i = 0; i < Events; i++) timers.EventArrived();
        return timers.Token.IsCancellationRequested;
    }
}
