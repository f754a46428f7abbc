namespace Switchyard.Providers.OpenAiCompatible;

/// <summary>
/// Where an OpenAI-compatible deployment takes chat and embeddings calls, and whether it may be sent
/// <c>stream_options.include_usage</c>. Most upstreams put both under one base URL; Azure OpenAI puts the deployment in
/// the path and the API version in the query, and older API versions reject <c>stream_options</c>.
/// </summary>
internal sealed record OpenAiEndpoints(Uri Chat, Uri Embeddings, bool RequestStreamUsage)
{
    /// <summary>The usual layout: <c>{base}/chat/completions</c> and <c>{base}/embeddings</c>.</summary>
    public static OpenAiEndpoints Under(Uri baseUri, bool requestStreamUsage) =>
        new(new Uri(baseUri, "chat/completions"), new Uri(baseUri, "embeddings"), requestStreamUsage);
}
