using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Providers.Anthropic;
using Switchyard.Routing;

namespace Switchyard.Dialects.AnthropicMessages;

/// <summary>How a token count was obtained (the <c>x-switchyard-token-count</c> header).</summary>
public enum TokenCountMethod
{
    /// <summary>The provider counted (Anthropic's own count_tokens).</summary>
    Exact,
    /// <summary>Counted here with the model's own tokenizer (OpenAI-family models).</summary>
    Local,
    /// <summary>Counted here with o200k_base as a stand-in for a tokenizer the gateway does not have.</summary>
    Estimate,
}

/// <summary>
/// Answers the Messages API's <c>count_tokens</c>: Anthropic deployments ask Anthropic; OpenAI-family models are counted
/// locally with their tiktoken encoding (o200k_base or cl100k_base); every other model is estimated with o200k_base.
/// </summary>
public static class MessagesTokenCounter
{
    private static readonly ConcurrentDictionary<string, Tokenizer> Tokenizers = new(StringComparer.Ordinal);
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>Providers whose models use OpenAI's tokenizers.</summary>
    private static readonly string[] OpenAiProviders = ["openai", "azure", "azure_ai"];

    /// <summary>Validates a count_tokens body (model and messages required, no max_tokens) and reads its model.</summary>
    public static RequestSummary Summarize(ReadOnlyMemory<byte> body) => AnthropicRequestSummarizer.Summarize(body.Span, requireMaxTokens: false);

    public static async Task<(long Tokens, TokenCountMethod Method)> CountAsync(ReadOnlyMemory<byte> body, RequestSummary summary, Deployment deployment, Func<string, string?> header, CancellationToken cancellationToken)
    {
        if (deployment.Provider is AnthropicProvider anthropic)
        {
            return (await anthropic.CountTokensAsync(body, summary, header, cancellationToken).ConfigureAwait(false), TokenCountMethod.Exact);
        }
        var request = AnthropicMessagesDialect.Instance.Decode(body);
        if (OpenAiTokenizer(deployment) is { } tokenizer) return (Count(request, tokenizer), TokenCountMethod.Local);
        return (Count(request, O200k.Value), TokenCountMethod.Estimate);
    }

    private static Tokenizer? OpenAiTokenizer(Deployment deployment)
    {
        var model = deployment.Model;
        var openAiFamily = Array.IndexOf(OpenAiProviders, deployment.Options.Provider) >= 0
            || model.StartsWith("gpt-", StringComparison.OrdinalIgnoreCase) || model.StartsWith("chatgpt", StringComparison.OrdinalIgnoreCase)
            || model.Length > 1 && model[0] is 'o' or 'O' && char.IsAsciiDigit(model[1]);
        if (!openAiFamily) return null;
        return Tokenizers.GetOrAdd(model, static name =>
        {
            try
            {
                return TiktokenTokenizer.CreateForModel(name);
            }
            catch (NotSupportedException)
            {
                // A model newer than the tokenizer package (or an Azure deployment name): current OpenAI models use o200k.
                return O200k.Value;
            }
        });
    }

    /// <summary>
    /// The prompt's tokens: every text the model reads (system, messages, tool calls and results, thinking, tool
    /// definitions with their schemas) plus OpenAI's framing of 3 tokens a message and 3 to prime the answer. Images count
    /// as a 1024x1024 high-detail tile set (765), the usual estimate when their size is not read.
    /// </summary>
    internal static long Count(ChatRequest request, Tokenizer tokenizer)
    {
        const int PerMessage = 3, Priming = 3, PerImage = 765;
        long total = Priming;
        foreach (var message in request.Messages)
        {
            total += PerMessage;
            foreach (var block in message.Content) total += CountBlock(block, tokenizer, PerImage);
        }
        foreach (var tool in request.Tools)
        {
            var text = new StringBuilder(tool.Name);
            if (tool.Description is { } description) text.Append('\n').Append(description);
            if (tool.Parameters is { } parameters) text.Append('\n').Append(parameters.GetRawText());
            else if (tool.Raw is { } raw) text.Append('\n').Append(raw.Json.GetRawText());
            total += tokenizer.CountTokens(text.ToString()) + PerMessage;
        }
        return total;
    }

    private static long CountBlock(ContentBlock block, Tokenizer tokenizer, int perImage) => block switch
    {
        TextBlock text => tokenizer.CountTokens(text.Text),
        RefusalBlock refusal => tokenizer.CountTokens(refusal.Text),
        ReasoningBlock reasoning => reasoning.Text is { } thinking ? tokenizer.CountTokens(thinking) : 0,
        ToolCallBlock call => tokenizer.CountTokens(call.Name) + tokenizer.CountTokens(call.Arguments),
        ToolResultBlock result => result.Content.Sum(b => CountBlock(b, tokenizer, perImage)),
        ImageBlock => perImage,
        DocumentBlock { MediaType: "text/plain", Base64Data: { } data } => tokenizer.CountTokens(DecodeText(data)),
        RawBlock raw => tokenizer.CountTokens(raw.Json.GetRawText()),
        _ => 0,
    };

    private static string DecodeText(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return base64;
        }
    }

    /// <summary>The count_tokens answer: <c>{"input_tokens": N}</c>.</summary>
    public static byte[] Answer(long tokens)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("input_tokens", tokens);
            writer.WriteEndObject();
        }
        return stream.ToArray();
    }
}
