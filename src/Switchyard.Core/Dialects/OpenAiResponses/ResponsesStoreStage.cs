using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Switchyard.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiResponses;

/// <summary>
/// Conversation state for the Responses API, kept by the gateway itself: a request naming <c>previous_response_id</c> gets
/// the earlier conversation of that response prepended (404 when the caller's key does not own it), and every completed
/// answer of a request that did not say <c>store: false</c> is kept under a gateway response id. Other formats pass by.
/// </summary>
public sealed class ResponsesStoreStage(GatewayHandler inner, IResponseStore store) : DelegatingGatewayHandler(inner)
{
    // Other formats pass straight through, without an async frame of this stage on their hot path.
    public override ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken) =>
        request.Body.Format == ApiFormat.OpenAiResponses && request.Operation == Operation.Chat
            ? SendResponsesAsync(request, cancellationToken)
            : Inner.SendAsync(request, cancellationToken);

    private async ValueTask<ChatResult> SendResponsesAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var fields = OpenAiResponsesDialect.FieldsOf(request.Body);
        var owner = ResponseOwner.Of(request);
        var state = ResponsesConversation.Of(request);
        if (fields.PreviousResponseId is { } previousId)
        {
            var previous = await store.GetAsync(owner, previousId, cancellationToken).ConfigureAwait(false)
                ?? throw new GatewayException(new GatewayError(404, ErrorKind.NotFound, $"Previous response with id '{previousId}' not found.")
                {
                    Param = "previous_response_id",
                    Code = "previous_response_not_found",
                });
            state.Previous = previous;
            // Instructions are not carried over from the earlier response: this request's own stay first.
            request.Body.Canonical.Messages.InsertRange(fields.HasInstructions ? 1 : 0, previous.Conversation.Select(Copy));
        }

        var result = await Inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (result.Stream is { } stream)
        {
            return Replace(result, new RecordingStream(stream, this, request, fields.Store, owner, state));
        }
        if (result.Response is { } response && result.Format != ApiFormat.OpenAiResponses)
        {
            response.Id = NewId();
            response.Extensions = ResponsesOutput.Echo(request.Body.Raw);
            if (fields.Store) await SaveAsync(request, owner, response, null, cancellationToken).ConfigureAwait(false);
            return result;
        }
        if (result.Format == ApiFormat.OpenAiResponses && fields.Store && result.StatusCode == 200 && !result.Body.IsEmpty)
        {
            await SaveRelayedAsync(request, owner, result.Body, state.Upstream, cancellationToken).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>A new gateway response id, in OpenAI's form.</summary>
    public static string NewId() => "resp_" + Guid.CreateVersion7().ToString("N") + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(9));

    private async ValueTask SaveAsync(GatewayRequest request, string owner, ChatResponse response, string? upstream, CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options)) OpenAiResponsesDialect.Write(writer, response);
        var conversation = Conversation(request);
        if (response.Choices.FirstOrDefault() is { } choice) conversation.Add(choice.Message);
        await store.SaveAsync(new StoredResponse(response.Id, owner, conversation, buffer.WrittenMemory.ToArray()) { Upstream = upstream }, cancellationToken)
            .ConfigureAwait(false);
    }

    private async ValueTask SaveRelayedAsync(GatewayRequest request, string owner, ReadOnlyMemory<byte> body, string? upstream, CancellationToken cancellationToken)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || ResponsesRequestReader.OptionalString(root, "id") is not { } id) return;
            if (ResponsesRequestReader.OptionalString(root, "status") is "failed" or "cancelled") return;
            var conversation = Conversation(request);
            if (root.TryGetProperty("output", out var output) && output.ValueKind == JsonValueKind.Array) conversation.AddRange(ResponsesRequestReader.ReadItems(output));
            await store.SaveAsync(new StoredResponse(id, owner, conversation, body.ToArray()) { Upstream = upstream }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JsonException or GatewayException or InvalidOperationException)
        {
            // An answer (or a request) the gateway cannot read is relayed but not kept.
        }
    }

    /// <summary>This request's conversation as sent: earlier turns and its input, without its instructions.</summary>
    private static List<ChatMessage> Conversation(GatewayRequest request)
    {
        var messages = request.Body.Canonical.Messages;
        var skip = OpenAiResponsesDialect.FieldsOf(request.Body).HasInstructions && messages.Count > 0 && messages[0].Role == ChatRole.System ? 1 : 0;
        return [.. messages.Skip(skip)];
    }

    private static ChatMessage Copy(ChatMessage message) => new(message.Role, message.Content)
    {
        Name = message.Name,
        ContentForm = message.ContentForm,
        Extensions = message.Extensions,
    };

    private static ChatResult Replace(ChatResult result, ResponseStream stream) => new()
    {
        Deployment = result.Deployment,
        Format = result.Format,
        StatusCode = result.StatusCode,
        Stream = stream,
        Usage = result.Usage,
        UpstreamTime = result.UpstreamTime,
    };

    /// <summary>Passes a stream through, giving a translated one the gateway's response id, and keeps its answer once it completes.</summary>
    private sealed class RecordingStream(ResponseStream inner, ResponsesStoreStage stage, GatewayRequest request, bool keep, string owner, ResponsesConversation state)
        : ResponseStream
    {
        public override ApiFormat Format => inner.Format;

        public override async IAsyncEnumerable<StreamItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
        {
            var id = NewId();
            var accumulator = new StreamAccumulator();
            byte[]? relayedResponse = null;
            await foreach (var item in inner.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                Usage = inner.Usage;
                var current = item;
                if (item.Raw.IsEmpty && item.Event is ResponseStarted started)
                {
                    current = item with { Event = started with { Id = id } };
                }
                if (!item.Raw.IsEmpty && inner.Format == ApiFormat.OpenAiResponses && keep)
                {
                    relayedResponse = CompletedResponse(item.Raw.Span) ?? relayedResponse;
                }
                if (current.Event is { } streamEvent && item.Raw.IsEmpty) accumulator.Add(streamEvent);
                if (current.Event is Completed && keep)
                {
                    if (relayedResponse is not null) await stage.SaveRelayedAsync(request, owner, relayedResponse, state.Upstream, CancellationToken.None).ConfigureAwait(false);
                    else if (inner.Format != ApiFormat.OpenAiResponses) await stage.SaveAsync(request, owner, accumulator.ToResponse(id, request.Body.Raw), null, CancellationToken.None).ConfigureAwait(false);
                }
                yield return current;
            }
            Usage = inner.Usage;
        }

        public override async ValueTask DisposeAsync()
        {
            await inner.DisposeAsync().ConfigureAwait(false);
            await base.DisposeAsync().ConfigureAwait(false);
        }

        /// <summary>The <c>response</c> of a relayed <c>response.completed</c> event, or null for any other event.</summary>
        private static byte[]? CompletedResponse(ReadOnlySpan<byte> raw)
        {
            if (raw.IndexOf("response.completed"u8) < 0) return null;
            var text = Encoding.UTF8.GetString(raw);
            foreach (var line in text.Split('\n'))
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal)) continue;
                try
                {
                    using var document = JsonDocument.Parse(line[5..].Trim());
                    if (document.RootElement.TryGetProperty("type", out var type) && type.ValueEquals("response.completed")
                        && document.RootElement.TryGetProperty("response", out var response))
                    {
                        return Encoding.UTF8.GetBytes(response.GetRawText());
                    }
                }
                catch (JsonException)
                {
                    return null;
                }
            }
            return null;
        }
    }
}

/// <summary>Per-request Responses state shared by the store stage and the OpenAI relay.</summary>
public sealed class ResponsesConversation
{
    private static readonly ConditionalWeakTable<GatewayRequest, ResponsesConversation> States = new();

    public static ResponsesConversation Of(GatewayRequest request) => States.GetValue(request, static _ => new ResponsesConversation());

    /// <summary>The stored earlier response this request continues, or null.</summary>
    public StoredResponse? Previous { get; set; }

    /// <summary>The upstream a relay sent this request to (endpoint and key), which then holds the answer under its id.</summary>
    public string? Upstream { get; set; }
}
