using Switchyard.Pipeline;
using Switchyard.Protocol;
using Switchyard.Pricing;
using Switchyard.Routing;
using Switchyard.Tokens;

namespace Switchyard.Admission;

/// <summary>A call's tokens before it is made, and the most it can cost on any deployment of its model group.</summary>
public readonly record struct CallEstimate(long PromptTokens, long Tokens, long WorstCaseMicros);

/// <summary>
/// Counts the prompt locally and takes the output limit from <c>max_tokens</c> (clamped to the model's limit) or, when the
/// request sets none, the model's own output limit: the worst case a budget must hold.
/// </summary>
public sealed class CallEstimator(ModelCatalog catalog)
{
    /// <summary>Output assumed when neither the request nor the catalog gives a limit.</summary>
    public const int DefaultMaxOutputTokens = 16_384;

    public CallEstimate Estimate(GatewayRequest request, string model)
    {
        var deployments = catalog.Resolve(model);
        if (deployments is null || deployments.Count == 0) return new CallEstimate(request.Body.Raw.Length / 4, request.Body.Raw.Length / 4, 0);

        var promptTokens = CountPrompt(request, deployments[0]);
        // Embeddings have no output.
        int? requestedOutput = request.Operation == Operation.Chat ? request.Body.Canonical.MaxOutputTokens : 0;

        long worst = 0;
        long tokens = promptTokens + (requestedOutput ?? 0);
        foreach (var deployment in deployments)
        {
            if (deployment.Price is not { } price) continue;
            var limit = price.MaxOutputTokens ?? DefaultMaxOutputTokens;
            var output = Math.Min(requestedOutput ?? limit, limit);
            worst = Math.Max(worst, CostCalculator.WorstCaseMicros(price, promptTokens, output));
        }
        return new CallEstimate(promptTokens, tokens, worst);
    }

    /// <summary>
    /// The prompt's tokens: counted with the model's tokenizer for chat; for embeddings (or a body that cannot be decoded),
    /// a bound from the body's size: a token is at least a byte of the JSON text, rarely fewer than four.
    /// </summary>
    public static long CountPrompt(GatewayRequest request, Deployment deployment)
    {
        if (request.Operation != Operation.Chat) return request.Body.Raw.Length / 3 + 1;
        try
        {
            return PromptTokens.Count(request.Body.Canonical, deployment).Tokens;
        }
        catch (GatewayException)
        {
            return request.Body.Raw.Length / 3 + 1;
        }
    }
}
