using Switchyard.Routing;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Conformance;

/// <summary>How one provider is faked for the conformance suite: where its fake answers, and which recordings it replays.</summary>
public sealed record ConformanceProvider
{
    public required string Name { get; init; }
    public required string Model { get; init; }
    public required Func<Uri, DeploymentOptions> Deployment { get; init; }
    public required string AnswerPath { get; init; }
    public required string StreamPath { get; init; }
    public required Func<byte[], FakeReply> StreamReply { get; init; }
    public required string Answer { get; init; }
    public required string Stream { get; init; }
    public string? ToolAnswer { get; init; }
    public string? ToolStream { get; init; }
    public required (string File, int Status) Error { get; init; }
    /// <summary>A text that the upstream body carries when reasoning was asked for in the provider's own terms.</summary>
    public required string ReasoningMarker { get; init; }

    public override string ToString() => Name;
}

public static class ConformanceProviders
{
    private static DeploymentOptions Options(string provider, string model, Uri apiBase, Dictionary<string, string>? settings = null) => new()
    {
        Name = "conformance",
        Provider = provider,
        Model = model,
        ApiBase = apiBase.ToString(),
        ApiKey = "sk-conformance-secret-123456",
        Settings = settings ?? [],
        Source = "conformance",
    };

    public static readonly IReadOnlyList<ConformanceProvider> All =
    [
        new()
        {
            Name = "openai", Model = "gpt-4o", Deployment = b => Options("openai", "gpt-4o", new Uri(b, "v1")),
            AnswerPath = "/v1/chat/completions", StreamPath = "/v1/chat/completions", StreamReply = FakeReply.Sse,
            Answer = "openai/chat-completion.response.json", Stream = "openai/chat-stream.sse",
            ToolAnswer = "openai/chat-tool-call.response.json", ToolStream = "openai/chat-stream-parallel-tool-calls.sse",
            Error = ("openai/error-429-rate-limit.json", 429), ReasoningMarker = "\"reasoning_effort\"",
        },
        new()
        {
            Name = "mistral", Model = "mistral-small-latest", Deployment = b => Options("mistral", "mistral-small-latest", new Uri(b, "v1")),
            AnswerPath = "/v1/chat/completions", StreamPath = "/v1/chat/completions", StreamReply = FakeReply.Sse,
            Answer = "mistral/chat.response.json", Stream = "mistral/chat-stream.sse",
            ToolAnswer = "mistral/chat-tool-call.response.json", ToolStream = "mistral/chat-stream-tool-call.sse",
            Error = ("mistral/error-401-unauthorized.json", 401), ReasoningMarker = "\"reasoning_effort\"",
        },
        new()
        {
            Name = "azure", Model = "my-deployment", Deployment = b => Options("azure", "my-deployment", b, new() { ["api_version"] = "2024-10-21" }),
            AnswerPath = "/openai/deployments/my-deployment/chat/completions", StreamPath = "/openai/deployments/my-deployment/chat/completions", StreamReply = FakeReply.Sse,
            Answer = "azure/chat-completion.response.json", Stream = "azure/chat-stream-content-filter.sse",
            Error = ("azure/error-400-content-filter.json", 400), ReasoningMarker = "\"reasoning_effort\"",
        },
        new()
        {
            Name = "anthropic", Model = "claude-sonnet-4-5", Deployment = b => Options("anthropic", "claude-sonnet-4-5", b),
            AnswerPath = "/v1/messages", StreamPath = "/v1/messages", StreamReply = FakeReply.Sse,
            Answer = "anthropic/messages.response.json", Stream = "anthropic/messages-stream-thinking.sse",
            ToolAnswer = "more/anthropic/messages-tool-use.response.json", ToolStream = "anthropic/messages-stream-tool-use.sse",
            Error = ("anthropic/error-529-overloaded.json", 529), ReasoningMarker = "\"budget_tokens\"",
        },
        new()
        {
            Name = "gemini", Model = "gemini-2.5-flash", Deployment = b => Options("gemini", "gemini-2.5-flash", b),
            AnswerPath = "/v1beta/models/gemini-2.5-flash:generateContent", StreamPath = "/v1beta/models/gemini-2.5-flash:streamGenerateContent", StreamReply = FakeReply.Sse,
            Answer = "gemini/generate-content.response.json", Stream = "gemini/stream-generate-content.sse",
            ToolAnswer = "gemini/function-call.response.json", ToolStream = "gemini/stream-generate-content-thinking-function-call.sse",
            Error = ("gemini/error-429-retry-info.json", 429), ReasoningMarker = "\"thinkingConfig\"",
        },
        new()
        {
            Name = "bedrock", Model = "anthropic.claude-3-7-sonnet", Deployment = b => Options("bedrock", "anthropic.claude-3-7-sonnet", b, new()
            {
                ["aws_region"] = "us-east-1", ["aws_access_key_id"] = "AKIDCONFORMANCE", ["aws_secret_access_key"] = "conformance-secret",
            }) with { ApiKey = null },
            AnswerPath = "/model/anthropic.claude-3-7-sonnet/converse", StreamPath = "/model/anthropic.claude-3-7-sonnet/converse-stream",
            StreamReply = body => FakeReply.Json(body) with { ContentType = "application/vnd.amazon.eventstream" },
            Answer = "bedrock/converse.response.json", Stream = "bedrock/converse-stream.eventstream.bin",
            ToolAnswer = "bedrock/converse-tool-use.response.json", ToolStream = "more/bedrock/converse-stream-tool-use.eventstream.bin",
            Error = ("bedrock/error-429-throttling.json", 429), ReasoningMarker = "\"budget_tokens\"",
        },
        new()
        {
            Name = "cohere", Model = "command-a-03-2025", Deployment = b => Options("cohere", "command-a-03-2025", b),
            AnswerPath = "/v2/chat", StreamPath = "/v2/chat", StreamReply = FakeReply.Sse,
            Answer = "more/cohere/chat.response.json", Stream = "cohere/chat-stream.sse",
            ToolAnswer = "cohere/chat-tool-call.response.json", ToolStream = "cohere/chat-stream-tool-call.sse",
            Error = ("cohere/error-401-invalid-api-token.json", 401), ReasoningMarker = "\"token_budget\"",
        },
        new()
        {
            Name = "ollama-native", Model = "llama3.2", Deployment = b => Options("ollama-native", "llama3.2", b) with { ApiKey = null },
            AnswerPath = "/api/chat", StreamPath = "/api/chat", StreamReply = FakeReply.Ndjson,
            Answer = "ollama/chat.response.json", Stream = "ollama/chat-stream.ndjson",
            ToolAnswer = "ollama/chat-tool-call.response.json", ToolStream = "ollama/chat-stream-tool-call.ndjson",
            Error = ("more/ollama/error-404-model-not-found.json", 404), ReasoningMarker = "\"think\"",
        },
    ];
}
