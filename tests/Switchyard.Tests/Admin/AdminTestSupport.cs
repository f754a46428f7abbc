using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Switchyard.Configuration;
using Switchyard.Routing;
using Switchyard.Keys;
using Switchyard.Tests.Infrastructure;

namespace Switchyard.Tests.Admin;

/// <summary>A gateway with two mock models and a master key, and small helpers to call its admin API as someone.</summary>
internal static class AdminTestSupport
{
    public const string MasterKey = "sk-test-master";

    public static DeploymentOptions Mock(string name) => new() { Name = name, Provider = "mock", Model = "mock-1", Source = "test" };

    public static Task<GatewayUnderTest> StartAsync(string? masterKey = MasterKey, string? dataDirectory = null) => GatewayUnderTest.StartAsync(new GatewayOptions
    {
        Models = [Mock("mock"), Mock("other")],
        Server = dataDirectory is null ? new ServerOptions { MasterKey = masterKey } : new ServerOptions { MasterKey = masterKey, DataDirectory = dataDirectory },
    });

    public static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(GatewayUnderTest gateway, HttpMethod method, string path,
        string? json = null, string? bearer = MasterKey)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        // The gateway's client sends the master key by default; replace (or drop) it per call.
        request.Headers.Authorization = bearer is null ? null : new AuthenticationHeaderValue("Bearer", bearer);
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        return (response.StatusCode, body);
    }

    public static Task<(HttpStatusCode Status, JsonElement Body)> Get(GatewayUnderTest g, string path, string? bearer = MasterKey) => SendAsync(g, HttpMethod.Get, path, null, bearer);
    public static Task<(HttpStatusCode Status, JsonElement Body)> Post(GatewayUnderTest g, string path, string json, string? bearer = MasterKey) => SendAsync(g, HttpMethod.Post, path, json, bearer);
    public static Task<(HttpStatusCode Status, JsonElement Body)> Patch(GatewayUnderTest g, string path, string json, string? bearer = MasterKey) => SendAsync(g, HttpMethod.Patch, path, json, bearer);
    public static Task<(HttpStatusCode Status, JsonElement Body)> Delete(GatewayUnderTest g, string path, string? bearer = MasterKey) => SendAsync(g, HttpMethod.Delete, path, null, bearer);

    /// <summary>Creates a key through the API as <paramref name="bearer"/> and returns its id and secret.</summary>
    public static async Task<(string Id, string Secret)> CreateKeyAsync(GatewayUnderTest g, string json = "{}", string? bearer = MasterKey)
    {
        var (status, body) = await Post(g, "/admin/v1/keys", json, bearer);
        Assert.True(status == HttpStatusCode.Created, $"{status}: {body}");
        return (body.GetProperty("id").GetString()!, body.GetProperty("key").GetString()!);
    }

    public static async Task<HttpStatusCode> ChatAsync(GatewayUnderTest g, string secret, string model = "mock")
    {
        using var client = new HttpClient { BaseAddress = g.BaseAddress };
        using var response = await client.SendAsync(TestKeys.Chat(secret, $$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}"""));
        // Unpriced (mock) answers do not wait for their ledger row; the admin reads below must see it.
        await g.Services.Ledger.FlushAsync();
        return response.StatusCode;
    }

    public static string? ErrorCode(JsonElement body) => body.GetProperty("error").GetProperty("code").GetString();
    public static string? ErrorParam(JsonElement body) => body.GetProperty("error").GetProperty("param").GetString();
    public static string ErrorMessage(JsonElement body) => body.GetProperty("error").GetProperty("message").GetString()!;

    /// <summary>Everything in the key store, for "nothing changed" checks.</summary>
    public static async Task<string> SnapshotAsync(GatewayUnderTest g)
    {
        var keys = await g.Services.Store.Keys.ListKeysAsync(new KeyQuery { IncludeRevoked = true, Limit = 1000 }, CancellationToken.None);
        var teams = await g.Services.Store.Keys.ListTeamsAsync(1000, 0, CancellationToken.None);
        return JsonSerializer.Serialize(new { keys, teams });
    }

    /// <summary>Waits until the ledger (written in group commits) holds at least <paramref name="count"/> rows.</summary>
    public static async Task WaitForLedgerAsync(GatewayUnderTest g, int count)
    {
        for (var i = 0; i < 100; i++)
        {
            var rows = await g.Services.Store.Ledger.LogsAsync(new Switchyard.Ledger.LogQuery { Limit = 1000 }, CancellationToken.None);
            if (rows.Count(r => r.State != Switchyard.Ledger.RequestState.Pending) >= count) return;
            await Task.Delay(50);
        }
        Assert.Fail($"The ledger did not reach {count} rows.");
    }
}
