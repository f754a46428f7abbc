using System.ClientModel;
using OpenAI;
using OpenAI.Chat;

namespace Switchyard.Tests.Infrastructure;

/// <summary>The official OpenAI .NET SDK pointed at a gateway under test, with its own retries off so that tests see every answer.</summary>
public static class OpenAiSdk
{
    public static ChatClient ChatClient(GatewayUnderTest gateway, string model, string key = "sk-test-master") =>
        new(model, new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(gateway.BaseAddress, "v1"),
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
        });
}
