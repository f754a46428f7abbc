using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Providers;

/// <summary>
/// What a provider does with a request parameter it cannot take: a 400 naming the parameter and the provider, or, when
/// <c>drop_params</c> is on (config or request, as in LiteLLM), nothing: the writer leaves it out. Never silently ignored
/// otherwise.
/// </summary>
public static class UnsupportedParameters
{
    /// <summary>Returns true when the parameter should be left out; throws 400 when it may not be.</summary>
    public static bool Drop(GatewayRequest request, string provider, string parameter, string? why = null)
    {
        if (request.DropParams || request.Body.Summary.DropParams) return true;
        throw new GatewayException(GatewayError.BadRequest(
            $"{provider} does not support the parameter '{parameter}'{(why is null ? "" : $" ({why})")}. Remove it, or set drop_params: true (in the request or the config) to have the gateway drop it.",
            parameter, "unsupported_parameter"));
    }
}
