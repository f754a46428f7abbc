using System.Text.Json;
using Switchyard.Protocol;
using Switchyard.Security;

namespace Switchyard.Providers.OpenAiCompatible;

/// <summary>An error object sent inside an OpenAI-style stream (vLLM, OpenRouter and others do this mid-stream).</summary>
internal static class UpstreamStreamError
{
    public static GatewayError? TryRead(ReadOnlySpan<byte> data, string provider, Routing.DeploymentOptions options)
    {
        try
        {
            var reader = new Utf8JsonReader(data);
            using var document = JsonDocument.ParseValue(ref reader);
            if (!document.RootElement.TryGetProperty("error", out var error) || error.ValueKind == JsonValueKind.Null) return null;
            var message = error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var m) ? m.ToString() : error.ToString();
            return new GatewayError(502, ErrorKind.UpstreamError, $"{provider} reported an error mid-stream: {SecretScrubber.Scrub(message, options.ApiKey, options.ApiBase)}")
            { Code = "upstream_stream_error" };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
