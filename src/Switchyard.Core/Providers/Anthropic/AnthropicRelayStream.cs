using System.Runtime.CompilerServices;
using System.Text.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;
using Switchyard.Streaming;

namespace Switchyard.Providers.Anthropic;

/// <summary>
/// A Messages API SSE stream relayed event by event, byte for byte, to a client that speaks the Messages API too (thinking
/// signatures, citations, server tool blocks pass untouched). Only the events that carry usage or end the stream are parsed
/// (<c>message_start</c>, <c>message_delta</c>, <c>message_stop</c>, <c>error</c>). The stream is complete at
/// <c>message_stop</c>; an <c>event: error</c> is relayed and ends it as failed; a cut, a stall or an end without
/// <c>message_stop</c> ends it with a canonical <see cref="StreamFailed"/> the client's dialect writes as an error event.
/// </summary>
internal sealed class AnthropicRelayStream(HttpResponseMessage response, CallTimers timers, DeploymentOptions options) : ResponseStream
{
    private const string Provider = "anthropic";
    private readonly AnthropicUsage _usage = new();
    private SseEventReader? _reader;
    private StreamItem? _first;
    private ReadOnlyMemory<byte> _firstTerminator;

    public override ApiFormat Format => ApiFormat.AnthropicMessages;

    /// <summary>Reads the first event under the first-byte limit: an error before any byte is still an ordinary failed call.</summary>
    public async Task ReadFirstEventAsync()
    {
        _reader = new SseEventReader(await response.Content.ReadAsStreamAsync(timers.Token).ConfigureAwait(false));
        var first = await _reader.ReadAsync(timers.Token).ConfigureAwait(false)
            ?? throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} closed the stream without sending anything.") { Code = "upstream_stream_empty" });
        timers.FirstByteArrived();
        var item = Classify(first);
        if (item.Event is StreamFailed failed) throw new GatewayException(failed.Error);
        _first = item;
        _firstTerminator = first.MissingTerminator;
    }

    public override async IAsyncEnumerable<StreamItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_first is { } first)
        {
            _first = null;
            yield return first;
            if (!_firstTerminator.IsEmpty) yield return new StreamItem(_firstTerminator, null);
            if (first.Event is Completed) yield break;
        }
        while (true)
        {
            StreamItem item;
            var terminator = ReadOnlyMemory<byte>.Empty;
            try
            {
                var next = await _reader!.ReadAsync(timers.Token).ConfigureAwait(false);
                if (next is null)
                {
                    item = StreamItem.Of(new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError,
                        $"{Provider} ended the stream before message_stop; the answer is truncated.") { Code = "upstream_stream_truncated" }));
                }
                else
                {
                    timers.EventArrived();
                    terminator = next.Value.MissingTerminator;
                    item = Classify(next.Value);
                }
            }
            catch (Exception ex) when (UpstreamHttp.Map(ex, timers, Provider, options) is { } error)
            {
                item = StreamItem.Of(new StreamFailed(error.Kind == ErrorKind.Timeout ? error
                    : error with { Code = "upstream_stream_broken", Message = $"{Provider} broke the stream; the answer is truncated." }));
            }
            yield return item;
            // A last event the server left without its blank line is completed, or strict clients would drop it.
            if (!terminator.IsEmpty && !item.Raw.IsEmpty) yield return new StreamItem(terminator, null);
            if (item.Event is Completed or StreamFailed) yield break;
        }
    }

    private StreamItem Classify(SseEvent sseEvent)
    {
        var type = sseEvent.EventType.Span;
        if (type.SequenceEqual("message_start"u8) || type.SequenceEqual("message_delta"u8))
        {
            ReadUsage(sseEvent.Data.Span, type.SequenceEqual("message_start"u8));
            return new StreamItem(sseEvent.Raw, null);
        }
        if (type.SequenceEqual("message_stop"u8)) return new StreamItem(sseEvent.Raw, Completed.Instance);
        if (type.SequenceEqual("error"u8))
        {
            // Relayed as it is (the client reads Anthropic's own error event); the item also says the stream failed.
            return new StreamItem(sseEvent.Raw, new StreamFailed(AnthropicErrors.FromStreamEvent(sseEvent.Data.Span, Provider, options)));
        }
        return new StreamItem(sseEvent.Raw, null);
    }

    private void ReadUsage(ReadOnlySpan<byte> data, bool inMessage)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (inMessage && root.TryGetProperty("message", out var message)) root = message;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("usage", out var usage))
            {
                _usage.Merge(usage);
                Usage = _usage.ToUsage();
            }
        }
        catch (JsonException)
        {
            // Usage is for accounting only; an unreadable event is still relayed as it came.
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (_reader is not null) await _reader.DisposeAsync().ConfigureAwait(false);
        response.Dispose();
        timers.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
