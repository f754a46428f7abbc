using System.Text.Json;
using Anthropic;
using Anthropic.Models.Messages;

namespace Switchyard.Tests.Infrastructure;

/// <summary>The official Anthropic .NET SDK pointed at a gateway under test, with its own retries off so that tests see every answer.</summary>
public static class AnthropicSdk
{
    public static AnthropicClient Client(GatewayUnderTest gateway, string key = "sk-test-master") => new()
    {
        ApiKey = key,
        BaseUrl = gateway.BaseAddress.ToString().TrimEnd('/'),
        MaxRetries = 0,
    };

    /// <summary>Request parameters from a JSON body, as a client that builds its request from JSON would send them.</summary>
    public static MessageCreateParams Params(string json) =>
        MessageCreateParams.FromRawUnchecked(new Dictionary<string, JsonElement>(), new Dictionary<string, JsonElement>(), Body(json));

    public static MessageCountTokensParams CountParams(string json) =>
        MessageCountTokensParams.FromRawUnchecked(new Dictionary<string, JsonElement>(), new Dictionary<string, JsonElement>(), Body(json));

    private static Dictionary<string, JsonElement> Body(string json) =>
        JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
}
