using System.Runtime.CompilerServices;
using System.Text.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;
using Switchyard.Streaming;

namespace Switchyard.Providers.Gemini;

/// <summary>
/// <c>streamGenerateContent?alt=sse</c> as canonical events. Each <c>data:</c> event (CRLF framed, no <c>[DONE]</c>) is a
/// whole response object with the new parts and the usage so far (the last report wins, even when it shrinks). Text and
/// thought parts become deltas; a function call, which Gemini sends whole, becomes a block with its arguments in one delta.
/// There is no terminal event: the answer is complete when a chunk carried a <c>finishReason</c> and the body then ended,
/// so finish, usage and completion are held until the end of the body. An end without any finish reason, an error object
/// in a <c>data:</c> event, or a bare error body after the events (Gemini's overloaded 503 arrives that way) fails the
/// stream instead.
/// </summary>
internal sealed class GeminiResponseStream(HttpResponseMessage response, CallTimers timers, DeploymentOptions options, string provider, string model) : ResponseStream
{
    private SseEventReader? _reader;
    private GeminiChunk? _first;

    public override ApiFormat Format => ApiFormat.Canonical;

    /// <summary>Reads up to the first chunk, so that an empty or failed stream is still an ordinary error the router can act on.</summary>
    public async Task ReadFirstEventAsync()
    {
        _reader = new SseEventReader(await response.Content.ReadAsStreamAsync(timers.Token).ConfigureAwait(false));
        while (true)
        {
            var next = await _reader.ReadAsync(timers.Token).ConfigureAwait(false)
                ?? throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{provider} closed the stream without sending anything.") { Code = "upstream_stream_empty" });
            timers.FirstByteArrived();
            var (chunk, error) = Decode(next);
            if (error is not null) throw new GatewayException(error);
            if (chunk is null) continue;
            _first = chunk;
            return;
        }
    }

    /// <summary>A chunk, an error, or neither (a comment or keep-alive).</summary>
    private (GeminiChunk? Chunk, GatewayError? Error) Decode(SseEvent sseEvent)
    {
        var json = sseEvent.Data;
        if (json.IsEmpty)
        {
            // Not SSE at all: Google sometimes appends a plain JSON error body after the events.
            var raw = System.Text.Encoding.UTF8.GetString(sseEvent.Raw.Span).Trim();
            if (raw.Length == 0 || raw[0] == ':') return (null, null);
            if (raw[0] is not ('{' or '[')) return (null, null);
            json = System.Text.Encoding.UTF8.GetBytes(raw);
        }
        try
        {
            var chunk = GeminiChunk.Parse(json.Span);
            return chunk.Error is { } error ? (null, GeminiErrors.FromStream(error, provider, options)) : (chunk, null);
        }
        catch (JsonException)
        {
            return (null, new GatewayError(502, ErrorKind.UpstreamError, $"{provider} sent a stream event that is not valid JSON; the answer is truncated.") { Code = "upstream_stream_invalid" });
        }
    }

    public override async IAsyncEnumerable<StreamItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = new State();
        var chunk = _first!;
        yield return StreamItem.Of(new ResponseStarted(chunk.ResponseId ?? GeminiThoughtSignatures.NewResponseId(), chunk.ModelVersion ?? model, chunk.Created));
        while (true)
        {
            foreach (var streamEvent in state.Translate(chunk)) yield return StreamItem.Of(streamEvent);
            if (chunk.Usage is { } usage) Usage = usage;

            StreamFailed? failure = null;
            var ended = false;
            try
            {
                GeminiChunk? next = null;
                while (next is null && failure is null && !ended)
                {
                    var sseEvent = await _reader!.ReadAsync(timers.Token).ConfigureAwait(false);
                    if (sseEvent is null)
                    {
                        ended = true;
                        break;
                    }
                    timers.EventArrived();
                    var (decoded, error) = Decode(sseEvent.Value);
                    if (error is not null) failure = new StreamFailed(error);
                    next = decoded;
                }
                if (next is not null) chunk = next;
            }
            catch (Exception ex) when (UpstreamHttp.Map(ex, timers, provider, options) is { } error)
            {
                failure = new StreamFailed(error.Kind == ErrorKind.Timeout ? error : error with { Code = "upstream_stream_broken", Message = $"{provider} broke the stream; the answer is truncated." });
            }
            if (failure is not null)
            {
                yield return StreamItem.Of(failure);
                yield break;
            }
            if (!ended) continue;

            if (!state.SawFinish)
            {
                yield return StreamItem.Of(new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError,
                    $"{provider} ended the stream before any finish reason; the answer is truncated.") { Code = "upstream_stream_truncated" }));
                yield break;
            }
            foreach (var finished in state.Finishes()) yield return StreamItem.Of(finished);
            if (Usage is not null) yield return StreamItem.Of(new UsageReported(Usage));
            yield return StreamItem.Of(Completed.Instance);
            yield break;
        }
    }

    /// <summary>Per choice, which canonical block is open, so that deltas land in the right block with stable indexes.</summary>
    private sealed class State
    {
        private readonly Dictionary<int, ChoiceState> _choices = [];
        private readonly SortedDictionary<int, string?> _finishes = [];
        private string? _blockReason;

        public bool SawFinish => _finishes.Count > 0 || _blockReason is not null;

        public IEnumerable<StreamEvent> Translate(GeminiChunk chunk)
        {
            if (chunk.BlockReason is not null && chunk.Candidates.Count == 0) _blockReason = chunk.BlockReason;
            foreach (var candidate in chunk.Candidates)
            {
                if (!_choices.TryGetValue(candidate.Index, out var choice)) _choices[candidate.Index] = choice = new ChoiceState(candidate.Index);
                foreach (var streamEvent in choice.Translate(candidate.Parts)) yield return streamEvent;
                if (candidate.FinishReason is { } reason) _finishes[candidate.Index] = reason;
            }
        }

        public IEnumerable<StreamEvent> Finishes()
        {
            if (_finishes.Count == 0)
            {
                // The prompt itself was refused: no candidate ever came (see GeminiResponseReader for why this is an answer).
                yield return new Finished(0, FinishReason.ContentFilter, _blockReason);
                yield break;
            }
            foreach (var (index, reason) in _finishes)
            {
                var sawCalls = _choices.TryGetValue(index, out var choice) && choice.ToolCalls > 0;
                if (choice is not null) foreach (var stop in choice.Close()) yield return stop;
                var finish = GeminiChunk.MapFinish(reason, sawCalls);
                yield return new Finished(index, finish, GeminiChunk.RawFinish(reason, finish));
            }
        }
    }

    private sealed class ChoiceState(int choice)
    {
        private int _nextBlock;
        private int _openBlock = -1;
        private BlockKind _openKind;
        private int _reasoningBlock = -1;
        private bool _reasoningSigned;

        public int ToolCalls { get; private set; }

        public IEnumerable<StreamEvent> Translate(IReadOnlyList<GeminiPart> parts)
        {
            foreach (var part in parts)
            {
                switch (part.Kind)
                {
                    case GeminiPartKind.Thought:
                        if (part.Text.Length > 0 || part.Signature is not null)
                        {
                            foreach (var e in Open(BlockKind.Reasoning)) yield return e;
                            _reasoningBlock = _openBlock;
                            var signature = _reasoningSigned ? null : part.Signature;
                            _reasoningSigned |= signature is not null;
                            yield return new ReasoningDelta(choice, _openBlock) { Text = part.Text.Length > 0 ? part.Text : null, Signature = signature };
                        }
                        break;
                    case GeminiPartKind.Text:
                        // The signature of the thoughts arrives on the first answer part; it belongs with the reasoning.
                        if (part.Signature is not null && !_reasoningSigned)
                        {
                            foreach (var e in SignReasoning(part.Signature)) yield return e;
                        }
                        if (part.Text.Length == 0) break;
                        foreach (var e in Open(BlockKind.Text)) yield return e;
                        yield return new TextDelta(choice, _openBlock, part.Text);
                        break;
                    case GeminiPartKind.FunctionCall:
                        foreach (var e in Close()) yield return e;
                        var block = _nextBlock++;
                        var id = GeminiThoughtSignatures.CallId(part.FunctionId, part.Signature);
                        yield return new BlockStarted(choice, block, BlockKind.ToolCall) { ToolCallIndex = ToolCalls++, ToolCallId = id, ToolName = part.FunctionName };
                        yield return new ToolArgumentsDelta(choice, block, part.FunctionArguments);
                        yield return new BlockStopped(choice, block);
                        break;
                    default:
                        if (part.Signature is not null && !_reasoningSigned)
                        {
                            foreach (var e in SignReasoning(part.Signature)) yield return e;
                        }
                        break;
                }
            }
        }

        private IEnumerable<StreamEvent> SignReasoning(string signature)
        {
            _reasoningSigned = true;
            if (_reasoningBlock < 0)
            {
                foreach (var e in Close()) yield return e;
                _reasoningBlock = _nextBlock++;
                yield return new BlockStarted(choice, _reasoningBlock, BlockKind.Reasoning);
                yield return new ReasoningDelta(choice, _reasoningBlock) { Signature = signature };
                yield return new BlockStopped(choice, _reasoningBlock);
                yield break;
            }
            yield return new ReasoningDelta(choice, _reasoningBlock) { Signature = signature };
        }

        private IEnumerable<StreamEvent> Open(BlockKind kind)
        {
            if (_openBlock >= 0 && _openKind == kind) yield break;
            foreach (var e in Close()) yield return e;
            _openBlock = _nextBlock++;
            _openKind = kind;
            yield return new BlockStarted(choice, _openBlock, kind);
        }

        public IEnumerable<StreamEvent> Close()
        {
            if (_openBlock < 0) yield break;
            yield return new BlockStopped(choice, _openBlock);
            _openBlock = -1;
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
