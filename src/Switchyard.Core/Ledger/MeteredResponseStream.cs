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
    public override bool HasBufferedItem => inner.HasBufferedItem;

    public override async IAsyncEnumerable<StreamItem> ReadAllAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in inner.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            meter.FirstTokenAtMs ??= DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            Usage = inner.Usage;
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
