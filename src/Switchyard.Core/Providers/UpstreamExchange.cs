using System.Diagnostics;
using System.Text.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers;

/// <summary>
/// The shape every translating provider's call has: send under the call's timers; read a whole answer, or hand the
/// response to a stream and wait for its first event (so that a failure before any byte is still an ordinary, retryable
/// error); and release the response and the timers exactly once, whoever owns them by then.
/// </summary>
public static class UpstreamExchange
{
    public static async Task<ChatResult> RunAsync<TStream>(
        string provider,
        DeploymentOptions options,
        Deployment deployment,
        CallTimers timers,
        bool stream,
        Func<CallTimers, Task<HttpResponseMessage>> send,
        Func<byte[], ChatResponse> readAnswer,
        Func<HttpResponseMessage, CallTimers, TStream> createStream,
        Func<TStream, Task> readFirstEvent)
        where TStream : ResponseStream
    {
        var started = Stopwatch.GetTimestamp();
        HttpResponseMessage? response = null;
        var handedOff = false;
        try
        {
            response = await send(timers).ConfigureAwait(false);
            if (!stream)
            {
                var body = await UpstreamHttp.ReadAllAsync(response, timers, provider, options).ConfigureAwait(false);
                ChatResponse answer;
                try
                {
                    answer = readAnswer(body);
                }
                catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
                {
                    throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{provider} answered with a body that is not a valid response.") { Code = "upstream_invalid_response" }, ex);
                }
                return new ChatResult { Deployment = deployment, Format = ApiFormat.Canonical, Response = answer, Usage = answer.Usage, UpstreamTime = Stopwatch.GetElapsedTime(started) };
            }

            var responseStream = createStream(response, timers);
            handedOff = true; // the stream owns the response and the timers from here on
            try
            {
                await readFirstEvent(responseStream).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                await responseStream.DisposeAsync().ConfigureAwait(false);
                if (ex is not GatewayException && UpstreamHttp.Map(ex, timers, provider, options) is { } error) throw new GatewayException(error, ex);
                throw;
            }
            return new ChatResult { Deployment = deployment, Format = ApiFormat.Canonical, Stream = responseStream, UpstreamTime = Stopwatch.GetElapsedTime(started) };
        }
        finally
        {
            if (!handedOff)
            {
                response?.Dispose();
                timers.Dispose();
            }
        }
    }
}
