using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Ledger;

/// <summary>
/// Relays a stream while metering it: notes the first token, and holds back the terminal event until the request's
/// ledger row is durable. A stream that ends otherwise (client gone, upstream cut) is settled when it is disposed, billed
/// for the usage seen so far.
/// </summary>
internal sealed class MeteredResponseStream(ResponseStream inner, GatewayRequest request, RequestMeter meter, ChatResult result, LedgerRecorder recorder)
    : ResponseStream
{
    private int _finished;

    public override ApiFormat Format => inner.Format;

    public override async IAsyncEnumerable<StreamItem> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var includeCost = request.Body.Summary.IncludeCost && inner.Format == ApiFormat.OpenAiChat;
        await foreach (var original in inner.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var item = original;
            meter.FirstTokenAtMs ??= recorder.Now;
            if (includeCost && !ReferenceEquals(Usage, inner.Usage) && WithCost(item) is { } costed) item = costed;
            Usage = inner.Usage;
            Interlocked.Add(ref meter.DeliveredTokensEstimate, TokenEstimate(item));
            switch (item.Event)
            {
                case Completed:
                    await FinishAsync(RequestState.Completed, 200, null).ConfigureAwait(false);
                    break;
                case StreamFailed failed:
                    await FinishAsync(RequestState.Failed, failed.Error.Status, failed.Error).ConfigureAwait(false);
                    break;
            }
            yield return item;
        }
    }

    /// <summary>
    /// The chunk that brought the usage, with <c>usage.cost</c> added, and forwarded even if the client did not ask for
    /// usage chunks: it asked for the cost (<c>usage: {"include": true}</c>, OpenRouter's convention).
    /// </summary>
    private StreamItem? WithCost(StreamItem item)
    {
        if (item.Raw.IsEmpty || inner.Usage is not { } usage) return null;
        var cost = Pricing.CostCalculator.Of(result.Deployment.Price, usage);
        if (cost.Unknown) return null;
        var raw = item.Raw.Span;
        var start = raw.IndexOf((byte)'{');
        var end = raw.LastIndexOf((byte)'}');
        if (start < 0 || end < start) return null;
        if (Pricing.UsageCost.Inject(raw[start..(end + 1)], cost.Micros) is not { } json) return null;
        var patched = new byte[start + json.Length + raw.Length - end - 1];
        raw[..start].CopyTo(patched);
        json.CopyTo(patched.AsSpan(start));
        raw[(end + 1)..].CopyTo(patched.AsSpan(start + json.Length));
        return new StreamItem(patched, item.Event);
    }

    /// <summary>About four characters a token for text the event carries; a relayed chunk without a decoded event is about one token.</summary>
    private static long TokenEstimate(StreamItem item) => item.Event switch
    {
        TextDelta text => (text.Text.Length + 3) / 4,
        ToolArgumentsDelta arguments => (arguments.Fragment.Length + 3) / 4,
        RefusalDelta refusal => (refusal.Text.Length + 3) / 4,
        null when !item.Raw.IsEmpty && !item.UsageOnly => 1,
        _ => 0,
    };

    private async Task FinishAsync(RequestState state, int status, GatewayError? error)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0) return;
        result.Usage = inner.Usage;
        await recorder.FinishAsync(request, meter, result, state, status, error, inner.Usage).ConfigureAwait(false);
    }

    public override async ValueTask DisposeAsync()
    {
        // Ended without a terminal event reaching the client: the client left, or the reader stopped early.
        await FinishAsync(RequestState.Cancelled, 499, null).ConfigureAwait(false);
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
