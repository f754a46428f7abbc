using System.Runtime.CompilerServices;
using System.Text.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Providers.Bedrock;

/// <summary>
/// A ConverseStream answer (binary event-stream frames, each a JSON event with a random <c>p</c> padding field) as canonical
/// events: <c>contentBlockStart</c> opens tool calls; <c>contentBlockDelta</c> carries text, <c>toolUse.input</c> fragments
/// and <c>reasoningContent</c> text, signature or redacted bytes (a block without a start frame opens on its first delta);
/// <c>messageStop</c> gives the finish; <c>metadata</c> the usage and the end. Exception frames, a CRC failure, or an end
/// before <c>messageStop</c> fail the stream; it never completes unless the answer did.
/// </summary>
internal sealed class BedrockResponseStream(HttpResponseMessage response, CallTimers timers, DeploymentOptions options, BedrockSecrets secrets,
    string id, string model, long created) : ResponseStream
{
    private const string Provider = BedrockErrors.Provider;
    private EventStreamReader? _reader;
    private EventStreamFrame? _first;

    public override ApiFormat Format => ApiFormat.Canonical;

    /// <summary>Reads the first frame before the answer is handed on, so a failure before any output stays an ordinary error.</summary>
    public async Task ReadFirstFrameAsync()
    {
        _reader = new EventStreamReader(await response.Content.ReadAsStreamAsync(timers.Token).ConfigureAwait(false));
        EventStreamFrame? frame;
        try
        {
            frame = await _reader.ReadAsync(timers.Token).ConfigureAwait(false);
        }
        catch (EventStreamFormatException ex)
        {
            throw new GatewayException(Corrupt(ex));
        }
        _first = frame ?? throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} closed the stream without sending anything.") { Code = "upstream_stream_empty" });
        timers.FirstByteArrived();
        if (Failure(frame.Value) is { } error) throw new GatewayException(error);
    }

    public override async IAsyncEnumerable<StreamItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var state = new State();
        yield return StreamItem.Of(new ResponseStarted(id, model, created));
        var frame = _first!.Value;
        while (true)
        {
            if (Failure(frame) is { } error)
            {
                yield return StreamItem.Of(new StreamFailed(error));
                yield break;
            }
            IReadOnlyList<StreamEvent> events;
            try
            {
                events = state.Translate(frame.Header(":event-type"), frame.Payload.Span);
            }
            catch (JsonException)
            {
                events = [new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} sent an event that is not valid JSON; the answer is truncated.") { Code = "upstream_stream_invalid" })];
            }
            foreach (var streamEvent in events)
            {
                if (streamEvent is UsageReported usage) Usage = usage.Usage;
                yield return StreamItem.Of(streamEvent);
                if (streamEvent is Completed or StreamFailed) yield break;
            }

            StreamFailed? failure = null;
            EventStreamFrame? next = null;
            try
            {
                next = await _reader!.ReadAsync(timers.Token).ConfigureAwait(false);
                if (next is not null) timers.EventArrived();
            }
            catch (EventStreamFormatException ex)
            {
                failure = new StreamFailed(Corrupt(ex));
            }
            catch (Exception ex) when (UpstreamHttp.Map(ex, timers, Provider, options) is { } mapped)
            {
                failure = new StreamFailed(mapped.Kind == ErrorKind.Timeout ? mapped : mapped with { Code = "upstream_stream_broken", Message = $"{Provider} broke the stream; the answer is truncated." });
            }
            if (failure is null && next is null)
            {
                // metadata is the last event; an end after messageStop lost only the counts, an earlier end lost the answer.
                if (state.Stopped)
                {
                    yield return StreamItem.Of(Completed.Instance);
                    yield break;
                }
                failure = new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError, $"{Provider} ended the stream before messageStop; the answer is truncated.") { Code = "upstream_stream_truncated" });
            }
            if (failure is not null)
            {
                yield return StreamItem.Of(failure);
                yield break;
            }
            frame = next!.Value;
        }
    }

    private GatewayError? Failure(EventStreamFrame frame) => frame.MessageType switch
    {
        "exception" => BedrockErrors.FromStreamException(frame.Header(":exception-type"), frame.Payload.Span, secrets),
        "error" => BedrockErrors.FromStreamError(frame.Header(":error-code"), frame.Header(":error-message"), secrets),
        _ => null,
    };

    private static GatewayError Corrupt(EventStreamFormatException ex) =>
        new(502, ErrorKind.UpstreamError, $"{Provider} sent a corrupt event stream ({ex.Message}); the answer is truncated.") { Code = "upstream_stream_corrupt" };

    /// <summary>Which canonical block each Bedrock content block became, so deltas land in the right block with stable indexes.</summary>
    internal sealed class State
    {
        private readonly Dictionary<int, (int Block, BlockKind Kind)> _blocks = [];
        private int _nextBlock;
        private int _toolCalls;

        public bool Stopped { get; private set; }

        public IReadOnlyList<StreamEvent> Translate(string? eventType, ReadOnlySpan<byte> payload)
        {
            var reader = new Utf8JsonReader(payload);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            var events = new List<StreamEvent>(2);
            switch (eventType)
            {
                case "contentBlockStart":
                    if (root.TryGetProperty("start", out var start) && start.TryGetProperty("toolUse", out var toolUse))
                    {
                        var block = _nextBlock++;
                        _blocks[Index(root)] = (block, BlockKind.ToolCall);
                        events.Add(new BlockStarted(0, block, BlockKind.ToolCall)
                        {
                            ToolCallIndex = _toolCalls++,
                            ToolCallId = BedrockResponseReader.Text(toolUse, "toolUseId"),
                            ToolName = BedrockResponseReader.Text(toolUse, "name"),
                        });
                    }
                    break;
                case "contentBlockDelta":
                    if (root.TryGetProperty("delta", out var delta)) Delta(Index(root), delta, events);
                    break;
                case "contentBlockStop":
                    if (_blocks.Remove(Index(root), out var stopped)) events.Add(new BlockStopped(0, stopped.Block));
                    break;
                case "messageStop":
                    var reason = BedrockResponseReader.Text(root, "stopReason");
                    Stopped = true;
                    events.Add(new Finished(0, BedrockResponseReader.MapStopReason(reason), reason));
                    break;
                case "metadata":
                    if (root.TryGetProperty("usage", out var usage)) events.Add(new UsageReported(BedrockResponseReader.ReadUsage(usage)));
                    if (!Stopped) break;
                    events.Add(Completed.Instance);
                    break;
                // messageStart carries only the role; unknown event types are new features, not errors.
            }
            return events;
        }

        private void Delta(int index, JsonElement delta, List<StreamEvent> events)
        {
            if (BedrockResponseReader.Text(delta, "text") is { } text)
            {
                if (text.Length > 0) events.Add(new TextDelta(0, Open(index, BlockKind.Text, events), text));
            }
            else if (delta.TryGetProperty("toolUse", out var toolUse))
            {
                if (BedrockResponseReader.Text(toolUse, "input") is { Length: > 0 } fragment) events.Add(new ToolArgumentsDelta(0, Open(index, BlockKind.ToolCall, events), fragment));
            }
            else if (delta.TryGetProperty("reasoningContent", out var reasoning))
            {
                var reasoningText = BedrockResponseReader.Text(reasoning, "text");
                var signature = BedrockResponseReader.Text(reasoning, "signature");
                var redacted = BedrockResponseReader.Text(reasoning, "redactedContent");
                if (reasoningText is { Length: > 0 } || signature is not null || redacted is not null)
                {
                    events.Add(new ReasoningDelta(0, Open(index, BlockKind.Reasoning, events))
                    {
                        Text = reasoningText is { Length: > 0 } ? reasoningText : null,
                        Signature = signature,
                        RedactedData = redacted,
                    });
                }
            }
        }

        /// <summary>The canonical block for a Bedrock block index, started now if it had no start frame (text and reasoning never do).</summary>
        private int Open(int index, BlockKind kind, List<StreamEvent> events)
        {
            if (_blocks.TryGetValue(index, out var open))
            {
                if (open.Kind == kind) return open.Block;
                events.Add(new BlockStopped(0, open.Block));
            }
            var block = _nextBlock++;
            _blocks[index] = (block, kind);
            events.Add(kind == BlockKind.ToolCall
                ? new BlockStarted(0, block, kind) { ToolCallIndex = _toolCalls++ }
                : new BlockStarted(0, block, kind));
            return block;
        }

        private static int Index(JsonElement root) =>
            root.TryGetProperty("contentBlockIndex", out var index) && index.TryGetInt32(out var n) ? n : 0;
    }

    public override async ValueTask DisposeAsync()
    {
        if (_reader is not null) await _reader.DisposeAsync().ConfigureAwait(false);
        response.Dispose();
        timers.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
