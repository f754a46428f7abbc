using System.Runtime.CompilerServices;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;
using Switchyard.Streaming;

namespace Switchyard.Providers.OllamaNative;

/// <summary>
/// Ollama's NDJSON stream as canonical events: text and thinking deltas as they arrive, each tool call (sent whole) as a
/// block with its arguments in one delta, then finish, usage and completion from the <c>done</c> line. An <c>error</c>
/// line, or an end without <c>done</c>, fails the stream.
/// </summary>
internal sealed class OllamaResponseStream(HttpResponseMessage response, CallTimers timers, DeploymentOptions options) : ResponseStream
{
    private const string Provider = "ollama-native";
    private NdjsonLineReader? _reader;
    private OllamaChunk? _first;

    public override ApiFormat Format => ApiFormat.Canonical;

    public async Task ReadFirstLineAsync()
    {
        _reader = new NdjsonLineReader(await response.Content.ReadAsStreamAsync(timers.Token).ConfigureAwait(false));
        var line = await _reader.ReadLineAsync(timers.Token).ConfigureAwait(false)
            ?? throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} closed the stream without sending anything.") { Code = "upstream_stream_empty" });
        timers.FirstByteArrived();
        _first = OllamaChunk.Parse(line.Span);
        if (_first.Error is { } error) throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} reported an error: {error}") { Code = "upstream_error" });
    }

    public override async IAsyncEnumerable<StreamItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = new State();
        var chunk = _first!;
        yield return StreamItem.Of(new ResponseStarted(OllamaToolCallIds.NewResponseId(), chunk.Model, chunk.Created));
        while (true)
        {
            foreach (var streamEvent in state.Translate(chunk)) yield return StreamItem.Of(streamEvent);
            if (chunk.Done)
            {
                Usage = chunk.Usage;
                yield break;
            }

            StreamFailed? failure = null;
            try
            {
                var line = await _reader!.ReadLineAsync(timers.Token).ConfigureAwait(false);
                if (line is null)
                {
                    failure = new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} ended the stream before its final line; the answer is truncated.") { Code = "upstream_stream_truncated" });
                }
                else
                {
                    timers.EventArrived();
                    chunk = OllamaChunk.Parse(line.Value.Span);
                    if (chunk.Error is { } error) failure = new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} reported an error mid-stream: {error}") { Code = "upstream_stream_error" });
                }
            }
            catch (Exception ex) when (UpstreamHttp.Map(ex, timers, Provider, options) is { } error)
            {
                failure = new StreamFailed(error.Kind == ErrorKind.Timeout ? error : error with { Code = "upstream_stream_broken", Message = $"{Provider} broke the stream; the answer is truncated." });
            }
            if (failure is not null)
            {
                yield return StreamItem.Of(failure);
                yield break;
            }
        }
    }

    /// <summary>Which canonical blocks are open, so deltas land in the right block with stable indexes.</summary>
    private sealed class State
    {
        private int _nextBlock;
        private int _textBlock = -1;
        private int _reasoningBlock = -1;
        private int _toolCalls;

        public IEnumerable<StreamEvent> Translate(OllamaChunk chunk)
        {
            if (chunk.Thinking.Length > 0)
            {
                if (_reasoningBlock < 0) yield return new BlockStarted(0, _reasoningBlock = _nextBlock++, BlockKind.Reasoning);
                yield return new ReasoningDelta(0, _reasoningBlock) { Text = chunk.Thinking };
            }
            if (chunk.Content.Length > 0)
            {
                if (_textBlock < 0) yield return new BlockStarted(0, _textBlock = _nextBlock++, BlockKind.Text);
                yield return new TextDelta(0, _textBlock, chunk.Content);
            }
            foreach (var (name, arguments) in chunk.ToolCalls)
            {
                var block = _nextBlock++;
                yield return new BlockStarted(0, block, BlockKind.ToolCall) { ToolCallIndex = _toolCalls++, ToolCallId = OllamaToolCallIds.New(), ToolName = name };
                yield return new ToolArgumentsDelta(0, block, arguments);
                yield return new BlockStopped(0, block);
            }
            if (!chunk.Done) yield break;
            yield return new Finished(0, chunk.FinishReason(_toolCalls > 0), chunk.DoneReason);
            yield return new UsageReported(chunk.Usage);
            yield return Completed.Instance;
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
