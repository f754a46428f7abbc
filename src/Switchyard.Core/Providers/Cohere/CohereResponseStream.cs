using System.Runtime.CompilerServices;
using System.Text.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;
using Switchyard.Streaming;

namespace Switchyard.Providers.Cohere;

/// <summary>
/// Cohere's v2 chat stream as canonical events. Cohere numbers content blocks and tool calls separately
/// (<c>content-start</c>/<c>-delta</c>/<c>-end</c> with text or thinking, <c>tool-call-start</c>/<c>-delta</c>/<c>-end</c> with
/// argument fragments); each becomes a canonical block of its own. <c>tool-plan-delta</c>s are reasoning deltas (see
/// <see cref="CohereResponseReader"/>). <c>message-end</c> carries the finish reason and usage and completes the stream; a
/// <c>data: [DONE]</c> that some recordings send after it is never reached. A stream that ends, breaks or stalls before
/// <c>message-end</c>, or whose <c>message-end</c> says ERROR, fails.
/// </summary>
internal sealed class CohereResponseStream(HttpResponseMessage response, CallTimers timers, DeploymentOptions options) : ResponseStream
{
    private const string Provider = CohereWire.Provider;
    private SseEventReader? _reader;
    private JsonDocument? _first;

    public override ApiFormat Format => ApiFormat.Canonical;

    /// <summary>Reads the first event under the first-byte limit, so that a failure before any byte stays an ordinary error.</summary>
    public async Task ReadFirstEventAsync()
    {
        _reader = new SseEventReader(await response.Content.ReadAsStreamAsync(timers.Token).ConfigureAwait(false));
        while (true)
        {
            var first = await _reader.ReadAsync(timers.Token).ConfigureAwait(false)
                ?? throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} closed the stream without sending anything.") { Code = "upstream_stream_empty" });
            if (first.Data.IsEmpty) continue;
            timers.FirstByteArrived();
            _first = Parse(first.Data.Span) ?? throw new GatewayException(Malformed());
            if (ErrorIn(_first.RootElement) is { } error) throw new GatewayException(error);
            return;
        }
    }

    public override async IAsyncEnumerable<StreamItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = new State(options.Model);
        var document = _first!;
        _first = null;
        while (true)
        {
            var done = false;
            using (document)
            {
                foreach (var streamEvent in state.Translate(document.RootElement))
                {
                    if (streamEvent is UsageReported reported) Usage = reported.Usage;
                    yield return StreamItem.Of(streamEvent);
                    if (streamEvent is Completed or StreamFailed) done = true;
                }
            }
            if (done) yield break;

            StreamFailed? failure = null;
            JsonDocument? next = null;
            try
            {
                while (next is null && failure is null)
                {
                    var sseEvent = await _reader!.ReadAsync(timers.Token).ConfigureAwait(false);
                    if (sseEvent is null || sseEvent.Value.Data.Span.SequenceEqual("[DONE]"u8))
                    {
                        failure = new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} ended the stream before its message-end event; the answer is truncated.") { Code = "upstream_stream_truncated" });
                        break;
                    }
                    timers.EventArrived();
                    if (sseEvent.Value.Data.IsEmpty) continue;
                    next = Parse(sseEvent.Value.Data.Span);
                    if (next is null) failure = new StreamFailed(Malformed());
                    else if (ErrorIn(next.RootElement) is { } error)
                    {
                        next.Dispose();
                        next = null;
                        failure = new StreamFailed(error with { Code = "upstream_stream_error", Message = $"{Provider} reported an error mid-stream: {error.Message}" });
                    }
                }
            }
            catch (Exception ex) when (UpstreamHttp.Map(ex, timers, Provider, options) is { } error)
            {
                next?.Dispose();
                failure = new StreamFailed(error.Kind == ErrorKind.Timeout ? error : error with { Code = "upstream_stream_broken", Message = $"{Provider} broke the stream; the answer is truncated." });
            }
            if (failure is not null)
            {
                yield return StreamItem.Of(failure);
                yield break;
            }
            document = next!;
        }
    }

    private static JsonDocument? Parse(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static GatewayError Malformed() =>
        new(502, ErrorKind.UpstreamError, $"{Provider} sent a stream event that is not JSON.") { Code = "upstream_stream_malformed" };

    /// <summary>An event without a <c>type</c> but with Cohere's error envelope (<c>{message}</c> or <c>{id, message}</c>).</summary>
    private GatewayError? ErrorIn(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("type", out _)) return null;
        var message = CohereWire.String(root, "message") ?? (root.TryGetProperty("error", out var e) ? (CohereWire.String(e, "message") ?? e.ToString()) : null);
        return message is null ? null
            : new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} reported an error: {Security.SecretScrubber.Scrub(message, options.ApiKey, options.ApiBase)}") { Code = "upstream_error" };
    }

    /// <summary>Which canonical block each Cohere content index and tool-call index is, so deltas land with stable indexes.</summary>
    private sealed class State(string model)
    {
        private readonly Dictionary<int, (int Block, BlockKind Kind)> _content = [];
        private readonly Dictionary<int, int> _toolBlocks = [];
        private int _nextBlock;
        private int _planBlock = -1;
        private int _toolCalls;
        private bool _started;

        public IEnumerable<StreamEvent> Translate(JsonElement root)
        {
            var type = CohereWire.String(root, "type");
            var delta = root.TryGetProperty("delta", out var d) ? d : default;
            var message = delta.ValueKind == JsonValueKind.Object && delta.TryGetProperty("message", out var m) ? m : default;
            var index = root.TryGetProperty("index", out var i) && i.TryGetInt32(out var n) ? n : 0;
            if (!_started)
            {
                _started = true;
                var id = type == "message-start" ? CohereWire.String(root, "id") : null;
                yield return new ResponseStarted(id is { Length: > 0 } ? id : CohereWire.NewResponseId(), model, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            }
            switch (type)
            {
                case "content-start":
                {
                    var content = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var c) ? c : default;
                    var kind = CohereWire.String(content, "type") == "thinking" ? BlockKind.Reasoning : BlockKind.Text;
                    var block = _nextBlock++;
                    _content[index] = (block, kind);
                    yield return new BlockStarted(0, block, kind);
                    if (ContentDelta(block, kind, content) is { } first) yield return first;
                    break;
                }
                case "content-delta":
                {
                    var content = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("content", out var c) ? c : default;
                    if (!_content.TryGetValue(index, out var open))
                    {
                        // A delta without its start: open a block of the kind the delta carries.
                        var kind = content.ValueKind == JsonValueKind.Object && content.TryGetProperty("thinking", out _) ? BlockKind.Reasoning : BlockKind.Text;
                        _content[index] = open = (_nextBlock++, kind);
                        yield return new BlockStarted(0, open.Block, kind);
                    }
                    if (ContentDelta(open.Block, open.Kind, content) is { } text) yield return text;
                    break;
                }
                case "content-end":
                    if (_content.TryGetValue(index, out var ended)) yield return new BlockStopped(0, ended.Block);
                    break;
                case "tool-plan-delta":
                    if (CohereWire.String(message, "tool_plan") is { Length: > 0 } plan)
                    {
                        if (_planBlock < 0) yield return new BlockStarted(0, _planBlock = _nextBlock++, BlockKind.Reasoning);
                        yield return new ReasoningDelta(0, _planBlock) { Text = plan };
                    }
                    break;
                case "tool-call-start":
                {
                    var call = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("tool_calls", out var t) ? t : default;
                    var function = call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var f) ? f : default;
                    var block = _nextBlock++;
                    _toolBlocks[index] = block;
                    yield return new BlockStarted(0, block, BlockKind.ToolCall)
                    {
                        ToolCallIndex = _toolCalls++,
                        ToolCallId = CohereWire.String(call, "id") ?? "",
                        ToolName = CohereWire.String(function, "name") ?? "",
                    };
                    if (CohereWire.String(function, "arguments") is { Length: > 0 } arguments) yield return new ToolArgumentsDelta(0, block, arguments);
                    break;
                }
                case "tool-call-delta":
                {
                    var call = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("tool_calls", out var t) ? t : default;
                    var function = call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var f) ? f : default;
                    if (_toolBlocks.TryGetValue(index, out var block) && CohereWire.String(function, "arguments") is { Length: > 0 } fragment)
                        yield return new ToolArgumentsDelta(0, block, fragment);
                    break;
                }
                case "tool-call-end":
                    if (_toolBlocks.TryGetValue(index, out var callBlock)) yield return new BlockStopped(0, callBlock);
                    break;
                case "message-end":
                {
                    var reason = CohereWire.String(delta, "finish_reason");
                    if (CohereWire.FailureFor(reason) is { } failure)
                    {
                        yield return new StreamFailed(failure);
                        yield break;
                    }
                    var mapped = CohereWire.MapFinish(reason);
                    yield return new Finished(0, _toolCalls > 0 && mapped == FinishReason.Stop ? FinishReason.ToolCalls : mapped, reason);
                    if (delta.ValueKind == JsonValueKind.Object && delta.TryGetProperty("usage", out var u) && CohereWire.ReadUsage(u) is { } usage)
                        yield return new UsageReported(usage);
                    yield return Completed.Instance;
                    break;
                }
                // message-start (handled above), citation-start/-end and unknown events carry nothing canonical.
            }
        }

        private static StreamEvent? ContentDelta(int block, BlockKind kind, JsonElement content)
        {
            if (kind == BlockKind.Reasoning)
                return CohereWire.String(content, "thinking") is { Length: > 0 } thinking ? new ReasoningDelta(0, block) { Text = thinking } : null;
            return CohereWire.String(content, "text") is { Length: > 0 } text ? new TextDelta(0, block, text) : null;
        }
    }

    public override async ValueTask DisposeAsync()
    {
        _first?.Dispose();
        if (_reader is not null) await _reader.DisposeAsync().ConfigureAwait(false);
        response.Dispose();
        timers.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
