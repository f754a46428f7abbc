using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LedgerLoad;

/// <summary>
/// Two tools for bench/ledger/run.sh, in one binary:
/// <list type="bullet">
/// <item><c>upstream</c>: a fake OpenAI-compatible provider (Kestrel) that answers POST /v1/chat/completions with a fixed
/// <c>chat.completion</c> (with <c>usage</c>) or, when the request asks for <c>"stream": true</c>, a fixed SSE body, after an
/// optional fixed delay.</item>
/// <item><c>load</c>: an open-loop generator. Requests are scheduled at a constant rate and sent on schedule whatever the
/// responses do; latency is measured from the scheduled send time (no coordinated omission). Prints one RESULT line.</item>
/// </list>
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.Error.WriteLine("""
                usage:
                  LedgerLoad upstream --port N [--delay-ms 2] --json FILE --sse FILE
                  LedgerLoad load --url URL --body FILE [--key KEY] [--rate 500] [--warmup 5] [--duration 20]
                                  [--max-conns 256] [--timeout 10] [--mode json|sse] [--pid GATEWAY_PID]
                """);
            return args.Length == 0 ? 2 : 0;
        }
        var options = CommandLine.Parse(args.Skip(1));
        return args[0] switch
        {
            "upstream" => await Upstream.RunAsync(options),
            "load" => await Load.RunAsync(options),
            _ => Fail($"unknown command '{args[0]}'"),
        };
    }

    internal static int Fail(string message)
    {
        Console.Error.WriteLine("LedgerLoad: " + message);
        return 2;
    }
}

internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static CommandLine Parse(IEnumerable<string> args)
    {
        var options = new CommandLine();
        string? name = null;
        foreach (var arg in args)
        {
            if (name is null)
            {
                if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{arg}'");
                name = arg[2..];
            }
            else
            {
                options._values[name] = arg;
                name = null;
            }
        }
        if (name is not null) throw new ArgumentException($"--{name} wants a value");
        return options;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);
    public string Require(string name) => Get(name) ?? throw new ArgumentException($"--{name} is required");
    public double Number(string name, double fallback) =>
        Get(name) is { } s ? double.Parse(s, CultureInfo.InvariantCulture) : fallback;
}

internal static class Upstream
{
    public static async Task<int> RunAsync(CommandLine options)
    {
        var port = (int)options.Number("port", 0);
        var delay = TimeSpan.FromMilliseconds(options.Number("delay-ms", 2));
        var json = await File.ReadAllBytesAsync(options.Require("json"));
        var sse = await File.ReadAllBytesAsync(options.Require("sse"));

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        app.Run(async context =>
        {
            var request = context.Request;
            if (!HttpMethods.IsPost(request.Method) || !request.Path.Value!.EndsWith("/chat/completions", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 404;
                return;
            }
            var stream = await IsStreamAsync(request);
            if (delay > TimeSpan.Zero) await Task.Delay(delay);
            var response = context.Response;
            response.StatusCode = 200;
            var body = stream ? sse : json;
            response.ContentType = stream ? "text/event-stream" : "application/json";
            if (stream) response.Headers.CacheControl = "no-cache";
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body);
        });
        Console.Error.WriteLine($"upstream on 127.0.0.1:{port}, delay {delay.TotalMilliseconds} ms");
        await app.RunAsync();
        return 0;
    }

    private static async Task<bool> IsStreamAsync(HttpRequest request)
    {
        using var document = await JsonDocument.ParseAsync(request.Body);
        return document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
    }
}

internal static partial class Load
{
    [LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int USleep(uint microseconds);

    private static readonly double TicksPerMs = Stopwatch.Frequency / 1000.0;

    public static async Task<int> RunAsync(CommandLine options)
    {
        var uri = new Uri(options.Require("url"));
        var body = await File.ReadAllBytesAsync(options.Require("body"));
        var key = options.Get("key");
        var rate = options.Number("rate", 500);
        var warmup = options.Number("warmup", 5);
        var duration = options.Number("duration", 20);
        var maxConns = (int)options.Number("max-conns", 256);
        var timeout = TimeSpan.FromSeconds(options.Number("timeout", 10));
        var sse = (options.Get("mode") ?? "json") == "sse";
        var pid = options.Get("pid") is { } p ? int.Parse(p, CultureInfo.InvariantCulture) : 0;

        var warmupCount = (int)Math.Round(warmup * rate);
        var measuredCount = (int)Math.Round(duration * rate);
        var total = warmupCount + measuredCount;

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConns,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var client = new HttpClient(handler) { Timeout = timeout };
        if (key is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);

        // One check request before the clock starts: the answer must be what the mode expects.
        var check = await CheckAsync(client, uri, body, sse);
        if (check is not null) return Program.Fail("check request failed: " + check);

        var run = new Run(total, warmupCount);
        var tasks = new Task[total];
        long measuredStart = 0;
        CpuSample? cpuStart = null;

        var interval = Stopwatch.Frequency / rate;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20;
        var dispatcher = new Thread(() =>
        {
            for (var i = 0; i < total; i++)
            {
                var scheduled = start + (long)(i * interval);
                WaitUntil(scheduled);
                if (i == warmupCount)
                {
                    measuredStart = scheduled;
                    cpuStart = CpuSample.Take(pid);
                }
                run.Lateness[i] = Stopwatch.GetTimestamp() - scheduled;
                tasks[i] = SendAsync(client, uri, body, sse, run, i, scheduled);
            }
        })
        { IsBackground = true, Priority = ThreadPriority.AboveNormal, Name = "dispatch" };
        dispatcher.Start();
        dispatcher.Join();
        await Task.WhenAll(tasks);
        var lastDone = run.LastCompletion;
        var cpuEnd = CpuSample.Take(pid);

        Report(run, warmupCount, measuredCount, measuredStart, lastDone, rate, duration, cpuStart!, cpuEnd, pid);
        return 0;
    }

    private static void WaitUntil(long timestamp)
    {
        while (true)
        {
            var remaining = timestamp - Stopwatch.GetTimestamp();
            if (remaining <= 0) return;
            var us = remaining * 1_000_000 / Stopwatch.Frequency;
            if (us > 0) USleep((uint)Math.Min(us, 100_000));
        }
    }

    private static async Task<string?> CheckAsync(HttpClient client, Uri uri, byte[] body, bool sse)
    {
        try
        {
            using var request = NewRequest(uri, body);
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK) return $"status {(int)response.StatusCode}: {Cut(text)}";
            if (sse)
            {
                if (!text.TrimEnd().EndsWith("data: [DONE]", StringComparison.Ordinal)) return "stream does not end with data: [DONE]: " + Cut(text);
            }
            else
            {
                using var document = JsonDocument.Parse(text);
                if (!document.RootElement.TryGetProperty("choices", out _) || !document.RootElement.TryGetProperty("usage", out _))
                    return "answer has no choices or usage: " + Cut(text);
            }
            return null;
        }
        catch (Exception e)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    private static string Cut(string s) => s.Length > 300 ? s[..300] : s;

    private static HttpRequestMessage NewRequest(Uri uri, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content, Version = HttpVersion.Version11 };
    }

    private static async Task SendAsync(HttpClient client, Uri uri, byte[] body, bool sse, Run run, int i, long scheduled)
    {
        var sent = Stopwatch.GetTimestamp();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var request = NewRequest(uri, body);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
            await using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            long bytes = 0;
            var tail = new byte[16];
            var tailLength = 0;
            int n;
            while ((n = await stream.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                bytes += n;
                // keep the last 16 bytes for the SSE end check
                if (n >= tail.Length) { Array.Copy(buffer, n - tail.Length, tail, 0, tail.Length); tailLength = tail.Length; }
                else
                {
                    var keep = Math.Min(tailLength, tail.Length - n);
                    Array.Copy(tail, tailLength - keep, tail, 0, keep);
                    Array.Copy(buffer, 0, tail, keep, n);
                    tailLength = keep + n;
                }
            }
            var done = Stopwatch.GetTimestamp();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                Interlocked.Increment(ref run.Non200);
                run.Note($"status {(int)response.StatusCode}");
            }
            else if (sse && !Encoding.ASCII.GetString(tail, 0, tailLength).TrimEnd().EndsWith("[DONE]", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref run.BadBody);
                run.Note("stream without [DONE]");
            }
            else if (bytes == 0)
            {
                Interlocked.Increment(ref run.BadBody);
                run.Note("empty body");
            }
            else
            {
                run.Latency[i] = done - scheduled;
                run.Service[i] = done - sent;
                run.Bytes[i] = bytes;
            }
            run.Completed(done);
        }
        catch (Exception e)
        {
            var isTimeout = e is TaskCanceledException or TimeoutException;
            if (isTimeout) Interlocked.Increment(ref run.Timeouts);
            else Interlocked.Increment(ref run.Exceptions);
            run.Note(e.GetType().Name + ": " + e.Message);
            run.Completed(Stopwatch.GetTimestamp());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Report(Run run, int warmupCount, int measuredCount, long measuredStart, long lastDone, double rate, double duration,
        CpuSample cpuStart, CpuSample cpuEnd, int pid)
    {
        var ok = new List<long>(measuredCount);
        var service = new List<long>(measuredCount);
        var lateness = new List<long>(measuredCount);
        long bytes = 0;
        for (var i = warmupCount; i < warmupCount + measuredCount; i++)
        {
            lateness.Add(run.Lateness[i]);
            if (run.Latency[i] > 0)
            {
                ok.Add(run.Latency[i]);
                service.Add(run.Service[i]);
                bytes += run.Bytes[i];
            }
        }
        ok.Sort();
        service.Sort();
        lateness.Sort();
        var window = (lastDone - measuredStart) / (double)Stopwatch.Frequency;
        var errors = measuredCount - ok.Count; // measured requests without a good answer (warm-up errors are reported apart)
        var fields = new List<(string, string)>
        {
            ("target_rps", F(rate, 0)),
            ("seconds", F(duration, 1)),
            ("scheduled", measuredCount.ToString(CultureInfo.InvariantCulture)),
            ("ok", ok.Count.ToString(CultureInfo.InvariantCulture)),
            ("errors", errors.ToString(CultureInfo.InvariantCulture)),
            ("errors_all", (run.Non200 + run.BadBody + run.Timeouts + run.Exceptions).ToString(CultureInfo.InvariantCulture)),
            ("non200", run.Non200.ToString(CultureInfo.InvariantCulture)),
            ("timeouts", run.Timeouts.ToString(CultureInfo.InvariantCulture)),
            ("exceptions", (run.Exceptions + run.BadBody).ToString(CultureInfo.InvariantCulture)),
            ("achieved_rps", F(window > 0 ? ok.Count / window : 0, 1)),
            ("p50_ms", Ms(ok, 0.50)), ("p90_ms", Ms(ok, 0.90)), ("p99_ms", Ms(ok, 0.99)), ("p999_ms", Ms(ok, 0.999)),
            ("max_ms", ok.Count > 0 ? F(ok[^1] / TicksPerMs, 3) : "-"),
            ("mean_ms", ok.Count > 0 ? F(ok.Average() / TicksPerMs, 3) : "-"),
            ("svc_p50_ms", Ms(service, 0.50)), ("svc_p99_ms", Ms(service, 0.99)),
            ("late_p50_ms", Ms(lateness, 0.50)), ("late_p99_ms", Ms(lateness, 0.99)),
            ("late_max_ms", lateness.Count > 0 ? F(lateness[^1] / TicksPerMs, 3) : "-"),
            ("bytes_per_resp", ok.Count > 0 ? F(bytes / (double)ok.Count, 0) : "-"),
        };
        if (pid > 0 && cpuStart.GatewayTicks >= 0 && cpuEnd.GatewayTicks >= 0)
        {
            fields.Add(("gw_cpu_us_req", F((cpuEnd.GatewayTicks - cpuStart.GatewayTicks) / (double)cpuStart.ClockTicks * 1e6 / Math.Max(1, measuredCount), 1)));
        }
        else fields.Add(("gw_cpu_us_req", "-"));
        fields.Add(("load_cpu_us_req", F((cpuEnd.Self - cpuStart.Self).TotalMicroseconds / Math.Max(1, measuredCount), 1)));
        var total = cpuEnd.BoxTotal - cpuStart.BoxTotal;
        fields.Add(("box_busy_cores", total > 0 ? F((cpuEnd.BoxBusy - cpuStart.BoxBusy) / (double)total * Environment.ProcessorCount, 2) : "-"));
        fields.Add(("steal_cores", total > 0 ? F((cpuEnd.BoxSteal - cpuStart.BoxSteal) / (double)total * Environment.ProcessorCount, 2) : "-"));
        fields.Add(("note", run.FirstNote ?? ""));
        Console.WriteLine("RESULT\t" + string.Join('\t', fields.Select(f => f.Item1 + "=" + f.Item2.Replace('\t', ' ').Replace('\n', ' '))));
    }

    private static string Ms(List<long> sorted, double q)
    {
        if (sorted.Count == 0) return "-";
        var rank = (int)Math.Ceiling(q * sorted.Count) - 1;
        return F(sorted[Math.Clamp(rank, 0, sorted.Count - 1)] / TicksPerMs, 3);
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals, CultureInfo.InvariantCulture);

    private sealed class Run(int total, int warmupCount)
    {
        public readonly long[] Latency = new long[total];
        public readonly long[] Service = new long[total];
        public readonly long[] Lateness = new long[total];
        public readonly long[] Bytes = new long[total];
        public int Non200, BadBody, Timeouts, Exceptions;
        private long _lastCompletion;
        private string? _note;
        public int WarmupCount { get; } = warmupCount;
        public string? FirstNote => _note;
        public long LastCompletion => Interlocked.Read(ref _lastCompletion);

        public void Note(string text) => Interlocked.CompareExchange(ref _note, text, null);

        public void Completed(long timestamp)
        {
            long seen;
            while ((seen = Interlocked.Read(ref _lastCompletion)) < timestamp && Interlocked.CompareExchange(ref _lastCompletion, timestamp, seen) != seen) { }
        }
    }

    /// <summary>CPU of the gateway process (clock ticks, /proc/PID/stat utime+stime), of this process, and of the box.</summary>
    private sealed record CpuSample(long GatewayTicks, TimeSpan Self, long BoxBusy, long BoxTotal, long BoxSteal, long ClockTicks)
    {
        public static CpuSample Take(int pid)
        {
            long process = -1;
            if (pid > 0)
            {
                try
                {
                    var stat = File.ReadAllText($"/proc/{pid}/stat");
                    var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    // rest[0] is field 3 (state); utime is field 14, stime field 15
                    process = long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture);
                }
                catch (IOException) { }
            }
            long busy = 0, all = 0, steal = 0;
            try
            {
                var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                    .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                // user nice system idle iowait irq softirq steal ...
                busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6];
                all = cpu.Take(8).Sum();
                steal = cpu.Length > 7 ? cpu[7] : 0;
            }
            catch (IOException) { }
            // clock ticks per second: 100 on Linux (USER_HZ)
            return new CpuSample(process, Process.GetCurrentProcess().TotalProcessorTime, busy, all, steal, 100);
        }
    }
}
