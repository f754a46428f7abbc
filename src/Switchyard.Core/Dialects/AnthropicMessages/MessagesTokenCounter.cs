using System.Text.Json;
using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Providers.Anthropic;
using Switchyard.Routing;
using Switchyard.Tokens;

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
    /// <summary>Validates a count_tokens body (model and messages required, no max_tokens) and reads its model.</summary>
    public static RequestSummary Summarize(ReadOnlyMemory<byte> body) => AnthropicRequestSummarizer.Summarize(body.Span, requireMaxTokens: false);

    public static async Task<(long Tokens, TokenCountMethod Method)> CountAsync(ReadOnlyMemory<byte> body, RequestSummary summary, Deployment deployment, Func<string, string?> header, CancellationToken cancellationToken)
    {
        if (deployment.Provider is AnthropicProvider anthropic)
        {
            return (await anthropic.CountTokensAsync(body, summary, header, cancellationToken).ConfigureAwait(false), TokenCountMethod.Exact);
        }
        var request = AnthropicMessagesDialect.Instance.Decode(body);
        var (tokens, exactTokenizer) = PromptTokens.Count(request, deployment);
        return (tokens, exactTokenizer ? TokenCountMethod.Local : TokenCountMethod.Estimate);
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
