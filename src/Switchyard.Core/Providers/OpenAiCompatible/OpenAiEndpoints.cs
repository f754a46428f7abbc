namespace Switchyard.Providers.OpenAiCompatible;

/// <summary>
/// Where an OpenAI-compatible deployment takes chat and embeddings calls, and whether it may be sent
/// <c>stream_options.include_usage</c>. Most upstreams put both under one base URL; Azure OpenAI puts the deployment in
/// the path and the API version in the query, and older API versions reject <c>stream_options</c>. <see cref="Responses"/>
/// is where the upstream serves the Responses API, when it is known to (OpenAI, Azure OpenAI); null: it is not relayed there.
/// </summary>
internal sealed record OpenAiEndpoints(Uri Chat, Uri Embeddings, bool RequestStreamUsage, Uri? Responses = null)
{
    /// <summary>The usual layout: <c>{base}/chat/completions</c>, <c>{base}/embeddings</c> and, if served, <c>{base}/responses</c>.</summary>
    public static OpenAiEndpoints Under(Uri baseUri, bool requestStreamUsage, bool servesResponses = false) =>
        new(new Uri(baseUri, "chat/completions"), new Uri(baseUri, "embeddings"), requestStreamUsage, servesResponses ? new Uri(baseUri, "responses") : null);
}
