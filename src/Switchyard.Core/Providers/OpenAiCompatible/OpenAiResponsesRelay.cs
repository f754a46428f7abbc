using System.Buffers;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Switchyard.Dialects.OpenAiChat;
using Switchyard.Dialects.OpenAiResponses;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Routing;
using Switchyard.Streaming;

namespace Switchyard.Providers.OpenAiCompatible;

/// <summary>
/// Same-format relay of the Responses API to OpenAI: the client's body goes to <c>{api_base}/responses</c> with only the
/// model rewritten (Azure OpenAI too: <c>{api_base}/openai/v1/responses</c>, or <c>{api_base}/openai/responses?api-version=…</c>
/// for a classic deployment, the deployment named as <c>model</c>), and the answer (or the stream, event by event) comes back
/// byte for byte. Not taken when the request
/// continues a conversation the gateway holds but this upstream does not (an earlier turn answered elsewhere): then the
/// provider's canonical path carries the whole conversation instead.
/// </summary>
internal static class OpenAiResponsesRelay
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    /// <summary>The relayed result, or null when this request must take the canonical path.</summary>
    public static async ValueTask<ChatResult?> TrySendAsync(GatewayRequest request, Deployment deployment, OpenAiCompatiblePreset preset, HttpMessageInvoker client,
        Uri uri, Action<HttpRequestMessage> addHeaders, CancellationToken cancellationToken)
    {
        if (request.Operation != Operation.Chat) return null;
        var options = deployment.Options;
        var upstream = UpstreamKey(uri, options.ApiKey);
        var state = ResponsesConversation.Of(request);
        if (state.Previous is { } previous && previous.Upstream != upstream) return null;
        state.Upstream = upstream;

        var started = Stopwatch.GetTimestamp();
        var summary = request.Body.Summary;
        using var message = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new ByteArrayContent(OpenAiBodyRewriter.Rewrite(request.Body.Raw.Span, summary, options.Model, requestUsage: false)) { Headers = { ContentType = JsonContentType } },
        };
        addHeaders(message);
        var timers = CallTimers.For(request, options, cancellationToken);
        HttpResponseMessage? response = null;
        var handedOff = false;
        try
        {
            response = await UpstreamHttp.SendAsync(client, message, timers, preset.Name, options).ConfigureAwait(false);
            if (!summary.Stream)
            {
                var body = await UpstreamHttp.ReadAllAsync(response, timers, preset.Name, options).ConfigureAwait(false);
                return new ChatResult
                {
                    Deployment = deployment,
                    Format = ApiFormat.OpenAiResponses,
                    Body = body,
                    Usage = UsageOf(body),
                    UpstreamTime = Stopwatch.GetElapsedTime(started),
                };
            }
            var stream = new RelayStream(response, timers, preset.Name, options);
            handedOff = true;
            try
            {
                await stream.ReadFirstEventAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (UpstreamHttp.Map(ex, timers, preset.Name, options) is { } error)
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw new GatewayException(error, ex);
            }
            catch
            {
                await stream.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            return new ChatResult { Deployment = deployment, Format = ApiFormat.OpenAiResponses, Stream = stream, UpstreamTime = Stopwatch.GetElapsedTime(started) };
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

    /// <summary>Which upstream account holds a relayed response: the endpoint and (a hash of) the key.</summary>
    private static string UpstreamKey(Uri uri, string? apiKey) =>
        uri.AbsoluteUri + "#" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey ?? "")).AsSpan(0, 8));

    private static Usage? UsageOf(ReadOnlySpan<byte> response)
    {
        try
        {
            var reader = new Utf8JsonReader(response);
            using var document = JsonDocument.ParseValue(ref reader);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("usage", out var usage) ? ResponsesOutput.ReadUsage(usage) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// A Responses event stream relayed event by event. <c>response.completed</c> and <c>response.incomplete</c> end it well
    /// (their usage is picked out), <c>response.failed</c> ends it as failed; a stream that ends, breaks or stalls before any
    /// of them gets an <c>error</c> event and a <c>response.failed</c> of the gateway's own, numbered after the last event.
    /// </summary>
    private sealed class RelayStream(HttpResponseMessage response, CallTimers timers, string provider, DeploymentOptions options) : ResponseStream
    {
        private SseEventReader? _reader;
        private SseEvent? _first;
        private string _id = "resp_switchyard";
        private string _model = options.Model;
        private long _createdAt;
        private long _nextSequence;

        public override ApiFormat Format => ApiFormat.OpenAiResponses;

        public async Task ReadFirstEventAsync()
        {
            _reader = new SseEventReader(await response.Content.ReadAsStreamAsync(timers.Token).ConfigureAwait(false));
            _first = await _reader.ReadAsync(timers.Token).ConfigureAwait(false);
            timers.FirstByteArrived();
            if (_first is null)
            {
                throw new GatewayException(new GatewayError(502, ErrorKind.UpstreamError, $"{provider} closed the stream without sending anything.") { Code = "upstream_stream_empty" });
            }
        }

        public override async IAsyncEnumerable<StreamItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            while (true)
            {
                SseEvent? next;
                GatewayError? broken = null;
                if (_first is { } first)
                {
                    next = first;
                    _first = null;
                }
                else
                {
                    next = null;
                    try
                    {
                        next = await _reader!.ReadAsync(timers.Token).ConfigureAwait(false);
                        if (next is not null) timers.EventArrived();
                    }
                    catch (OperationCanceledException) when (timers.TimeoutError(provider) is { } timeout)
                    {
                        broken = timeout;
                    }
                    catch (Exception ex) when (ex is IOException or HttpRequestException)
                    {
                        broken = UpstreamErrors.ConnectionFailed(provider, ex, options.ApiKey, options.ApiBase) with
                        {
                            Message = $"{provider} broke the stream before it was complete; the answer is truncated.",
                            Code = "upstream_stream_broken",
                        };
                    }
                }
                if (next is not { } sseEvent)
                {
                    var error = broken ?? new GatewayError(502, ErrorKind.UpstreamError, $"{provider} ended the stream before its final event; the answer is truncated.")
                    { Code = "upstream_stream_truncated" };
                    yield return new StreamItem(Failure(error), new StreamFailed(error));
                    yield break;
                }
                var terminal = Classify(sseEvent);
                yield return new StreamItem(sseEvent.Raw, terminal);
                // A last event the server left without its blank line is completed, or strict clients would drop it.
                if (!sseEvent.MissingTerminator.IsEmpty) yield return new StreamItem(sseEvent.MissingTerminator, null);
                if (terminal is not null) yield break;
            }
        }

        /// <summary>Notes what the gateway needs of an event; returns the terminal event it stands for, if it is one.</summary>
        private StreamEvent? Classify(SseEvent sseEvent)
        {
            var data = sseEvent.Data.Span;
            if (data.IsEmpty) return null;
            try
            {
                var reader = new Utf8JsonReader(data);
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) return null;
                if (root.TryGetProperty("sequence_number", out var sequence) && sequence.TryGetInt64(out var n)) _nextSequence = n + 1;
                var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
                if (root.TryGetProperty("response", out var body) && body.ValueKind == JsonValueKind.Object)
                {
                    _id = ResponsesRequestReader.OptionalString(body, "id") ?? _id;
                    _model = ResponsesRequestReader.OptionalString(body, "model") ?? _model;
                    if (body.TryGetProperty("created_at", out var created) && created.TryGetInt64(out var at)) _createdAt = at;
                    if (body.TryGetProperty("usage", out var usage) && ResponsesOutput.ReadUsage(usage) is { } read) Usage = read;
                }
                return type switch
                {
                    "response.completed" or "response.incomplete" => Completed.Instance,
                    "response.failed" => new StreamFailed(FailureOf(root)),
                    _ => null,
                };
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private GatewayError FailureOf(JsonElement root)
        {
            var message = root.TryGetProperty("response", out var body) && body.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                ? ResponsesRequestReader.OptionalString(error, "message")
                : null;
            return new GatewayError(502, ErrorKind.UpstreamError, $"{provider} reported the response as failed: {Security.SecretScrubber.Scrub(message ?? "no reason given", options.ApiKey, options.ApiBase)}")
            { Code = "upstream_stream_error" };
        }

        /// <summary>The <c>error</c> and <c>response.failed</c> events for a stream the upstream left unfinished.</summary>
        private byte[] Failure(GatewayError error)
        {
            var buffer = new ArrayBufferWriter<byte>();
            using var writer = new Utf8JsonWriter(buffer, JsonWriting.Options);
            buffer.Write("event: error\ndata: "u8);
            writer.WriteStartObject();
            writer.WriteString("type", "error");
            writer.WriteNumber("sequence_number", _nextSequence++);
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteNull("param");
            writer.WriteEndObject();
            writer.Flush();
            buffer.Write("\n\nevent: response.failed\ndata: "u8);
            writer.Reset(buffer);
            writer.WriteStartObject();
            writer.WriteString("type", "response.failed");
            writer.WriteNumber("sequence_number", _nextSequence++);
            writer.WritePropertyName("response");
            ResponsesOutput.WriteResponse(writer, _id, _createdAt, _model, "failed", [], Usage, null, error, null);
            writer.WriteEndObject();
            writer.Flush();
            buffer.Write("\n\n"u8);
            return buffer.WrittenSpan.ToArray();
        }

        public override async ValueTask DisposeAsync()
        {
            if (_reader is not null) await _reader.DisposeAsync().ConfigureAwait(false);
            response.Dispose();
            timers.Dispose();
            await base.DisposeAsync().ConfigureAwait(false);
        }
    }
}
