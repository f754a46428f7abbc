using System.Runtime.CompilerServices;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;
using Switchyard.Streaming;

namespace Switchyard.Providers.OpenAiCompatible;

/// <summary>
/// An OpenAI chat completion stream relayed event by event. Usage is picked out as it passes (and the usage-only chunk
/// the gateway asked for on the client's behalf is marked, so it is not forwarded). A stream that ends, breaks or stalls
/// before <c>data: [DONE]</c> ends with a <see cref="StreamFailed"/> item; so does one that sent an in-band error.
/// </summary>
internal sealed class OpenAiSseResponseStream : ResponseStream
{
    private static readonly ReadOnlyMemory<byte> DoneEvent = "data: [DONE]\n\n"u8.ToArray();
    private bool _finished;
    private readonly HttpResponseMessage _response;
    private readonly CallTimers _timers;
    private readonly string _provider;
    private readonly DeploymentOptions _options;
    private readonly bool _clientAskedForUsage;
    private SseEventReader? _reader;
    private StreamItem? _first;
    private GatewayError? _firstError;
    private ReadOnlyMemory<byte> _firstTerminator;
    private ReadOnlyMemory<byte> _firstData;
    /// <summary>The data payload of the event <see cref="ReadEventsAsync"/> yielded last (valid until the next one is requested).</summary>
    private ReadOnlyMemory<byte> _data;

    private readonly OpenAiChatStreamDecoder? _decoder;

    /// <param name="translate">Read the chunks as canonical events (for a client of another dialect) instead of relaying them.</param>
    public OpenAiSseResponseStream(HttpResponseMessage response, CallTimers timers, string provider, DeploymentOptions options, bool clientAskedForUsage, bool translate = false)
    {
        _decoder = translate ? new OpenAiChatStreamDecoder() : null;
        _response = response;
        _timers = timers;
        _provider = provider;
        _options = options;
        _clientAskedForUsage = clientAskedForUsage;
    }

    public override ApiFormat Format => _decoder is null ? ApiFormat.OpenAiChat : ApiFormat.Canonical;


    /// <summary>Waits for the first event under the first-byte limit, so that failures before any byte can still be retried.</summary>
    public async Task ReadFirstEventAsync()
    {
        _reader = new SseEventReader(await _response.Content.ReadAsStreamAsync(_timers.Token).ConfigureAwait(false));
        var first = await _reader.ReadAsync(_timers.Token).ConfigureAwait(false);
        _timers.FirstByteArrived();
        if (first is null)
        {
            throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{_provider} closed the stream without sending anything.") { Code = "upstream_stream_empty" });
        }
        var firstEvent = ContentPartsNormalizer.Normalize(first.Value);
        _first = Classify(firstEvent, out _firstError);
        _firstTerminator = firstEvent.MissingTerminator;
        _firstData = firstEvent.Data;
        if (_firstError is not null)
        {
            // An error before any byte reached the client is an ordinary failed call.
            throw new GatewayException(_firstError);
        }
    }

    /// <summary>Relayed, the upstream's events as they are (without a layer of its own per event); otherwise decoded.</summary>
    public override IAsyncEnumerable<StreamItem> ReadAllAsync(CancellationToken cancellationToken) =>
        _decoder is null ? ReadEventsAsync(cancellationToken) : DecodeAsync(_decoder, cancellationToken);

    private async IAsyncEnumerable<StreamItem> DecodeAsync(OpenAiChatStreamDecoder decoder, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in ReadEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            if (item.Event is StreamFailed)
            {
                yield return item;
                continue;
            }
            var data = _data;
            if (data.IsEmpty) continue; // comments and completed line ends mean nothing to another dialect
            List<StreamEvent> events;
            try
            {
                events = decoder.Decode(data.Span);
            }
            catch (JsonException)
            {
                events = [new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, $"{_provider} sent a malformed stream event; the answer is truncated.") { Code = "upstream_stream_malformed" })];
            }
            foreach (var streamEvent in events)
            {
                yield return StreamItem.Of(streamEvent);
                if (streamEvent is StreamFailed) yield break;
            }
        }
    }

    /// <summary>The upstream's events, each with its data payload in <see cref="_data"/>.</summary>
    private async IAsyncEnumerable<StreamItem> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_first is { } first)
        {
            _first = null;
            _data = _firstData;
            yield return first;
            _data = default;
            if (!_firstTerminator.IsEmpty) yield return new StreamItem(_firstTerminator, null);
            if (first.Event is Completed) yield break;
        }
        while (true)
        {
            StreamItem item;
            var terminator = ReadOnlyMemory<byte>.Empty;
            var data = ReadOnlyMemory<byte>.Empty;
            try
            {
                var next = await _reader!.ReadAsync(_timers.Token).ConfigureAwait(false);
                if (next is null && _finished)
                {
                    // Some servers close without [DONE] after the last finish reason: the answer is complete, so the
                    // client gets the [DONE] it expects.
                    item = new StreamItem(DoneEvent, Completed.Instance);
                    data = DoneEvent[6..^2];
                }
                else if (next is null)
                {
                    item = StreamItem.Of(new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError,
                        $"{_provider} ended the stream before its final event; the answer is truncated.") { Code = "upstream_stream_truncated" }));
                }
                else
                {
                    _timers.EventArrived();
                    var sseEvent = ContentPartsNormalizer.Normalize(next.Value);
                    terminator = sseEvent.MissingTerminator;
                    data = sseEvent.Data;
                    item = Classify(sseEvent, out var error);
                    if (error is not null) item = StreamItem.Of(new StreamFailed(error));
                }
            }
            catch (OperationCanceledException) when (_timers.TimeoutError(_provider) is { } timeout)
            {
                item = StreamItem.Of(new StreamFailed(timeout));
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                item = StreamItem.Of(new StreamFailed(UpstreamErrors.ConnectionFailed(_provider, ex, _options.ApiKey, _options.ApiBase) with
                {
                    Message = $"{_provider} broke the stream before it was complete; the answer is truncated.",
                    Code = "upstream_stream_broken",
                }));
            }
            _data = data;
            yield return item;
            _data = default;
            // A last event the server left without its blank line is completed, or strict clients would drop it.
            if (!terminator.IsEmpty && !item.Raw.IsEmpty) yield return new StreamItem(terminator, null);
            if (item.Event is Completed or StreamFailed) yield break;
        }
    }

    private StreamItem Classify(SseEvent sseEvent, out GatewayError? error)
    {
        error = null;
        var data = sseEvent.Data.Span;
        if (data.SequenceEqual("[DONE]"u8)) return new StreamItem(sseEvent.Raw, Completed.Instance);
        if (data.IsEmpty) return new StreamItem(sseEvent.Raw, null);
        var facts = OpenAiChunkFacts.Read(data);
        if (!facts.Valid)
        {
            // Garbage is never passed on as part of an answer: the stream ends here, as an error.
            error = new GatewayError(502, ErrorKind.UpstreamError, $"{_provider} sent a malformed stream event; the answer is incomplete.") { Code = "upstream_stream_malformed" };
            return new StreamItem(sseEvent.Raw, null);
        }
        if (facts.IsError)
        {
            error = UpstreamStreamError.TryRead(data, _provider, _options)
                ?? new GatewayError(502, ErrorKind.UpstreamError, $"{_provider} reported an error mid-stream.") { Code = "upstream_stream_error" };
            return new StreamItem(sseEvent.Raw, null);
        }
        _finished |= facts.Finished;
        if (facts.Usage is { } usage)
        {
            Usage = usage;
            return new StreamItem(sseEvent.Raw, null) { UsageOnly = !facts.HasChoices && !_clientAskedForUsage };
        }
        return new StreamItem(sseEvent.Raw, null);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_reader is not null) await _reader.DisposeAsync().ConfigureAwait(false);
        _response.Dispose();
        _timers.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
