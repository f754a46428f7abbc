using System.Runtime.CompilerServices;
using System.Text.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;
using Switchyard.Streaming;

namespace Switchyard.Providers.Anthropic;

/// <summary>
/// A Messages API SSE stream as canonical events. The stream is complete only at <c>message_stop</c>: an <c>event: error</c>
/// (e.g. <c>overloaded_error</c> mid-answer), a cut connection, a stall or an end without <c>message_stop</c> ends it with
/// <see cref="StreamFailed"/>. The first event is read before the provider returns, so a failure before any byte is still an
/// ordinary error the router may retry.
/// </summary>
internal sealed class AnthropicResponseStream(HttpResponseMessage response, CallTimers timers, DeploymentOptions options) : ResponseStream
{
    private const string Provider = "anthropic";
    private readonly AnthropicStreamTranslator _translator = new();
    private readonly List<StreamEvent> _pending = [];
    private SseEventReader? _reader;

    public override ApiFormat Format => ApiFormat.Canonical;

    public async Task ReadFirstEventAsync()
    {
        _reader = new SseEventReader(await response.Content.ReadAsStreamAsync(timers.Token).ConfigureAwait(false));
        while (_pending.Count == 0)
        {
            var next = await _reader.ReadAsync(timers.Token).ConfigureAwait(false)
                ?? throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} closed the stream without sending anything.") { Code = "upstream_stream_empty" });
            timers.FirstByteArrived();
            // An error before any answer is an ordinary failed call (an overload here can still go to a fallback).
            if (Translate(next) is { } error) throw new GatewayException(error);
        }
    }

    public override async IAsyncEnumerable<StreamItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            foreach (var streamEvent in _pending) yield return StreamItem.Of(streamEvent);
            _pending.Clear();
            Usage = _translator.Usage;
            if (_translator.Completed) yield break;

            StreamFailed? failure = null;
            try
            {
                var next = await _reader!.ReadAsync(timers.Token).ConfigureAwait(false);
                if (next is null)
                {
                    failure = new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} ended the stream before message_stop; the answer is truncated.") { Code = "upstream_stream_truncated" });
                }
                else
                {
                    timers.EventArrived();
                    if (Translate(next.Value) is { } error) failure = new StreamFailed(error);
                }
            }
            catch (Exception ex) when (UpstreamHttp.Map(ex, timers, Provider, options) is { } error)
            {
                failure = new StreamFailed(error.Kind == ErrorKind.Timeout ? error : error with { Code = "upstream_stream_broken", Message = $"{Provider} broke the stream; the answer is truncated." });
            }
            if (failure is not null)
            {
                foreach (var streamEvent in _pending) yield return StreamItem.Of(streamEvent);
                _pending.Clear();
                yield return StreamItem.Of(failure);
                yield break;
            }
        }
    }

    /// <summary>Translates one SSE event into <see cref="_pending"/>; returns the error an <c>error</c> event carried.</summary>
    private GatewayError? Translate(SseEvent sseEvent)
    {
        var data = sseEvent.Data;
        if (data.IsEmpty) return null;
        try
        {
            // Real captures pad the JSON with spaces before the closing brace; JSON allows that whitespace.
            using var document = JsonDocument.Parse(data);
            _translator.Translate(document.RootElement, _pending);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} sent a stream event that is not valid JSON of the Messages API.") { Code = "upstream_invalid_response" };
        }
        return _translator.IsError ? AnthropicErrors.FromStreamEvent(data.Span, Provider, options) : null;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_reader is not null) await _reader.DisposeAsync().ConfigureAwait(false);
        response.Dispose();
        timers.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
