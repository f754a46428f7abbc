using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Ledger;

/// <summary>
/// Records every authenticated request in the ledger, once, under the gateway's request id: a pending row when admission
/// lets it through (so a crash mid-call leaves a trace), and its final row when it ends. The final row of a billed answer
/// is durable before the answer is returned (for a stream: before its terminal event is released), so killing the process
/// cannot lose a request the client saw finish. Settles the budget and rate reservations with the actual cost and tokens.
/// </summary>
public sealed class LedgerStage(GatewayHandler inner, LedgerRecorder recorder) : DelegatingGatewayHandler(inner)
{
    public override async ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var meter = recorder.Start(request);
        ChatResult result;
        try
        {
            result = await Inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (GatewayException ex)
        {
            await recorder.FinishAsync(request, meter, null, meter.Admitted ? RequestState.Failed : RequestState.Rejected, ex.Error.Status, ex.Error).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await recorder.FinishAsync(request, meter, null, RequestState.Cancelled, 499, null).ConfigureAwait(false);
            throw;
        }
        catch (Exception)
        {
            await recorder.FinishAsync(request, meter, null, RequestState.Failed, 500, null).ConfigureAwait(false);
            throw;
        }

        if (result.Stream is { } stream)
        {
            return new ChatResult
            {
                Deployment = result.Deployment,
                Format = result.Format,
                StatusCode = result.StatusCode,
                Stream = new MeteredResponseStream(stream, request, meter, result, recorder),
                UpstreamTime = result.UpstreamTime,
            };
        }
        result.Cost = await recorder.FinishAsync(request, meter, result, RequestState.Completed, result.StatusCode, null).ConfigureAwait(false);
        return result;
    }
}
