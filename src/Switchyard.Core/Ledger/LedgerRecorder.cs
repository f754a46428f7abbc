using Microsoft.Extensions.Logging;
using Switchyard.Budgets;
using Switchyard.Pipeline;
using Switchyard.Pricing;
using Switchyard.Protocol;

namespace Switchyard.Ledger;

/// <summary>Builds ledger rows and settles reservations; shared by the ledger stage and metered streams.</summary>
public sealed class LedgerRecorder(LedgerWriter writer, BudgetAccountant budgets, TimeProvider time, ILogger logger)
{
    /// <summary>How long a request waits for its row to be durable before answering anyway (the row stays queued).</summary>
    public TimeSpan DurableWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Store request and (non-streamed) response bodies with the row, redacted and capped at <see cref="MaxLoggedBody"/> bytes.</summary>
    public bool LogBodies { get; init; }

    public const int MaxLoggedBody = 64 * 1024;

    public RequestMeter Start(GatewayRequest request)
    {
        var meter = new RequestMeter(request, this, Now);
        request.Meter = meter;
        return meter;
    }

    /// <summary>Admission let the request through: its pending row is queued, so that a crash mid-call leaves a trace.</summary>
    internal void Admitted(GatewayRequest request, RequestMeter meter) =>
        writer.Enqueue(Row(request, meter, null, RequestState.Pending, 0, null, default, null));

    /// <summary>Settles the request's reservations and writes its final row; returns its cost.</summary>
    public async Task<Cost> FinishAsync(GatewayRequest request, RequestMeter meter, ChatResult? result, RequestState state, int status, GatewayError? error, Usage? streamUsage = null)
    {
        var usage = streamUsage ?? result?.Usage ?? result?.Response?.Usage;
        var price = result?.Deployment.Price ?? request.Target?.Price;
        var (cost, estimated) = CostOf(request, usage, price, meter, result, state);
        if (meter.Reservation is { } reservation)
        {
            foreach (var crossed in budgets.Settle(reservation, cost.Micros))
            {
                logger.LogWarning("Soft budget of {Scope} reached (request {RequestId})", crossed, request.RequestId);
            }
        }
        meter.Rate?.Settle((usage ?? estimated)?.TotalTokens ?? 0, release: usage is null && estimated is null);

        var row = Row(request, meter, result, state, status, usage ?? estimated, cost, error) with { UsageUnknown = usage is null && estimated is not null };
        // A billed answer waits for its row to be durable before its last bytes go out; a row that bills nothing (a
        // refusal, an error, an unpriced model) is queued without holding the answer back.
        if (cost.Micros > 0)
        {
            try
            {
                await writer.AppendAsync(row).WaitAsync(DurableWait, time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                logger.LogError("Ledger row for {RequestId} not durable after {Seconds}s; answering, the row stays queued", request.RequestId, DurableWait.TotalSeconds);
            }
        }
        else
        {
            writer.Enqueue(row);
        }
        return cost;
    }

    /// <summary>Unix milliseconds on the ledger's clock (rows, latencies and first-token times all use it).</summary>
    internal long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The price of the usage. With no usage reported: nothing for a call that delivered nothing; otherwise an estimate
    /// (the prompt counted locally, the output from what was delivered), flagged unknown: never a silent zero.
    /// </summary>
    private static (Cost Cost, Usage? Estimated) CostOf(GatewayRequest request, Usage? usage, ModelPrice? price, RequestMeter meter, ChatResult? result, RequestState state)
    {
        if (usage is not null) return (CostCalculator.Of(price, usage), null);
        var delivered = meter.Admitted && (state == RequestState.Completed || meter.FirstTokenAtMs is not null);
        if (!delivered) return (new Cost(0, false), null);
        var estimated = new Usage
        {
            InputTokens = meter.PromptTokensEstimate ?? (request.Target is { } target ? Admission.CallEstimator.CountPrompt(request, target) : request.Body.Raw.Length / 4),
            OutputTokens = result?.Stream is null && result is not null ? result.Body.Length / 4 : meter.DeliveredTokensEstimate,
        };
        return (CostCalculator.Of(price, estimated) with { Unknown = true }, estimated);
    }

    private SpendRecord Row(GatewayRequest request, RequestMeter meter, ChatResult? result, RequestState state, int status, Usage? usage, Cost cost, GatewayError? error)
    {
        var final = state != RequestState.Pending;
        var now = Now;
        return new SpendRecord
        {
            RequestId = request.RequestId,
            CreatedAt = meter.CreatedAtMs,
            FinishedAt = final ? now : null,
            State = state,
            Status = status,
            KeyId = request.Caller?.Key?.Id,
            TeamId = request.Caller?.Team?.Id ?? request.Caller?.Key?.TeamId,
            Model = ModelOf(request),
            Deployment = (result?.Deployment ?? request.Target)?.Label,
            ProviderResponseId = result?.Response?.Id,
            Operation = OperationName(request),
            Stream = result?.Stream is not null || SummaryOf(request)?.Stream == true,
            InputTokens = usage?.InputTokens ?? 0,
            CacheReadTokens = usage?.CacheReadTokens ?? 0,
            CacheWriteTokens = usage?.CacheWriteTokens ?? 0,
            OutputTokens = usage?.OutputTokens ?? 0,
            ReasoningTokens = usage?.ReasoningTokens ?? 0,
            CostMicros = cost.Micros,
            CostUnknown = cost.Unknown,
            ReservedMicros = meter.ReservedMicros,
            LatencyMs = final ? now - meter.CreatedAtMs : null,
            TimeToFirstTokenMs = meter.FirstTokenAtMs is { } first ? first - meter.CreatedAtMs : null,
            Attempts = request.Attempts,
            Error = error is null ? null : Truncate($"{error.Code ?? error.Kind.ToString()}: {error.Message}", 1000),
            RequestBody = LogBodies ? LoggedBody(request.Body.Raw) : null,
            ResponseBody = LogBodies && final && result is { Stream: null } ? LoggedBody(result.Body) : null,
        };
    }

    /// <summary>What the client called, by the API it spoke (constant strings: an enum's ToString allocates every time).</summary>
    private static string OperationName(GatewayRequest request) => request.Operation == Operation.Embeddings ? "embeddings" : request.Body.Format switch
    {
        ApiFormat.OpenAiChat => "chat",
        ApiFormat.AnthropicMessages => "messages",
        ApiFormat.OpenAiResponses => "responses",
        var other => other.ToString(),
    };

    private static string? ModelOf(GatewayRequest request) => SummaryOf(request)?.Model;

    private static RequestSummary? SummaryOf(GatewayRequest request)
    {
        try
        {
            return request.Body.Summary;
        }
        catch (GatewayException)
        {
            return null; // a malformed body: the row records the 400 without a model
        }
    }

    private static string LoggedBody(ReadOnlyMemory<byte> body)
    {
        if (body.IsEmpty) return "";
        var text = System.Text.Encoding.UTF8.GetString(body.Span[..Math.Min(body.Length, MaxLoggedBody)]);
        return Security.SecretScrubber.ScrubBody(text) + (body.Length > MaxLoggedBody ? $"…[{body.Length - MaxLoggedBody} more bytes]" : "");
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
