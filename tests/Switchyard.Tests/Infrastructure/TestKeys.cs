using Switchyard.Keys;
using Switchyard.Ledger;

namespace Switchyard.Tests.Infrastructure;

/// <summary>Virtual keys and ledger rows put straight into a gateway's store, for tests about what the gateway does with them.</summary>
public static class TestKeys
{
    public static async Task<(string Secret, VirtualKey Key)> CreateAsync(GatewayUnderTest gateway, SpendLimits? limits = null,
        IReadOnlyList<string>? models = null, string? teamId = null, long? expiresAt = null, string? alias = null)
    {
        var secret = KeySecrets.NewSecret();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var key = new VirtualKey
        {
            Id = KeySecrets.NewId("key_"),
            KeyHash = KeySecrets.Hash(secret),
            KeyHint = KeySecrets.Hint(secret),
            Alias = alias,
            TeamId = teamId,
            Models = models ?? [],
            Limits = limits ?? SpendLimits.None,
            ExpiresAt = expiresAt,
            CreatedBy = "master",
            CreatedAt = now,
            UpdatedAt = now,
        };
        Assert.True(await gateway.Services.Store.Keys.InsertKeyAsync(key, CancellationToken.None));
        return (secret, key);
    }

    public static async Task<Team> CreateTeamAsync(GatewayUnderTest gateway, SpendLimits? limits = null, IReadOnlyList<string>? models = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var team = new Team { Id = KeySecrets.NewId("team_"), Models = models ?? [], Limits = limits ?? SpendLimits.None, CreatedAt = now, UpdatedAt = now };
        Assert.True(await gateway.Services.Store.Keys.InsertTeamAsync(team, CancellationToken.None));
        return team;
    }

    /// <summary>Records earlier spend for a key, as a completed ledger row.</summary>
    public static Task SeedSpendAsync(GatewayUnderTest gateway, VirtualKey key, long micros) =>
        gateway.Services.Store.Ledger.WriteBatchAsync([new SpendRecord
        {
            RequestId = "seed_" + Guid.NewGuid().ToString("N"),
            CreatedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 1000,
            FinishedAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            State = RequestState.Completed,
            Status = 200,
            KeyId = key.Id,
            TeamId = key.TeamId,
            Model = "seed",
            CostMicros = micros,
        }], CancellationToken.None);

    /// <summary>An OpenAI chat answer reporting the given usage (the provider's id repeats on purpose: rows must not key on it).</summary>
    public static byte[] ChatAnswer(int promptTokens = 10, int completionTokens = 5) => System.Text.Encoding.UTF8.GetBytes($$$"""
        {"id":"chatcmpl-same","object":"chat.completion","created":1,"model":"upstream-model",
         "choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":{{{promptTokens}}},"completion_tokens":{{{completionTokens}}},"total_tokens":{{{promptTokens + completionTokens}}}}}
        """);

    public static HttpRequestMessage Chat(string secret, string body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return message;
    }
}
