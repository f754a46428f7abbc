using System.Collections.Concurrent;
using System.Text;
using Microsoft.ML.Tokenizers;
using Switchyard.Protocol;
using Switchyard.Routing;

namespace Switchyard.Tokens;

/// <summary>
/// Counts a request's prompt tokens locally: with the model's own tiktoken encoding for OpenAI-family models, with
/// o200k_base as an estimate for every other model. For pre-flight decisions (context-window fallbacks, count_tokens);
/// the provider's reported usage stays what is billed.
/// </summary>
public static class PromptTokens
{
    private static readonly ConcurrentDictionary<string, Tokenizer> Tokenizers = new(StringComparer.Ordinal);
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));

    /// <summary>Providers whose models use OpenAI's tokenizers.</summary>
    private static readonly string[] OpenAiProviders = ["openai", "azure", "azure_ai"];

    /// <summary>The prompt's token count, and whether it came from the model's own tokenizer (false: an o200k estimate).</summary>
    public static (long Tokens, bool Exact) Count(ChatRequest request, Deployment deployment) =>
        OpenAiTokenizer(deployment) is { } tokenizer ? (Count(request, tokenizer), true) : (Count(request, O200k.Value), false);

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
    public static long Count(ChatRequest request, Tokenizer tokenizer)
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
            // The schema's text as the client sent it (what GetRawText gives), without parsing a schema kept as text.
            if (tool.ParametersJson is { } json) text.Append('\n').Append(Encoding.UTF8.GetString(json));
            else if (tool.Parameters is { } parameters) text.Append('\n').Append(parameters.GetRawText());
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

}
