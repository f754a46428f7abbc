using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Dialects.OpenAiResponses;

/// <summary>
/// A completed response kept for <c>previous_response_id</c>: its whole conversation in canonical form (earlier turns,
/// this turn's input, the answer), the response object as the client saw it, and — when an OpenAI upstream answered it
/// through the relay and stored it too — which upstream that was.
/// </summary>
public sealed record StoredResponse(string Id, string Owner, IReadOnlyList<ChatMessage> Conversation, ReadOnlyMemory<byte> Body)
{
    /// <summary>The upstream (endpoint and key) that holds this response under the same id, or null.</summary>
    public string? Upstream { get; init; }
}

/// <summary>The gateway's store of Responses API answers, scoped to the key that created them.</summary>
public interface IResponseStore
{
    ValueTask SaveAsync(StoredResponse response, CancellationToken cancellationToken);

    /// <summary>The response, or null when it is unknown, expired, or belongs to another owner.</summary>
    ValueTask<StoredResponse?> GetAsync(string owner, string id, CancellationToken cancellationToken);

    /// <summary>Forgets the response; false when the owner has no such response.</summary>
    ValueTask<bool> DeleteAsync(string owner, string id, CancellationToken cancellationToken);
}

/// <summary>An in-process store bounded in entries and bytes, each entry living for a fixed time from when it was saved.</summary>
public sealed class InMemoryResponseStore(int maxEntries = 10_000, long maxBytes = 256L << 20, TimeSpan? timeToLive = null, TimeProvider? time = null) : IResponseStore
{
    private sealed record Entry(StoredResponse Response, DateTimeOffset ExpiresAt, long Size);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly TimeSpan _ttl = timeToLive ?? TimeSpan.FromHours(24);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _bytes;

    public int Count => _entries.Count;

    public long Bytes => Interlocked.Read(ref _bytes);

    public ValueTask SaveAsync(StoredResponse response, CancellationToken cancellationToken)
    {
        var entry = new Entry(response, _time.GetUtcNow() + _ttl, SizeOf(response));
        while (true)
        {
            if (_entries.TryGetValue(response.Id, out var existing))
            {
                // Ids are the gateway's own or an upstream's: never hand one key's entry over to another.
                if (existing.Response.Owner != response.Owner) return ValueTask.CompletedTask;
                if (!_entries.TryUpdate(response.Id, entry, existing)) continue;
                Interlocked.Add(ref _bytes, entry.Size - existing.Size);
                break;
            }
            if (!_entries.TryAdd(response.Id, entry)) continue;
            _order.Enqueue(response.Id);
            Interlocked.Add(ref _bytes, entry.Size);
            break;
        }
        Evict();
        return ValueTask.CompletedTask;
    }

    public ValueTask<StoredResponse?> GetAsync(string owner, string id, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(id, out var entry)) return ValueTask.FromResult<StoredResponse?>(null);
        if (entry.ExpiresAt <= _time.GetUtcNow())
        {
            Remove(id, entry);
            return ValueTask.FromResult<StoredResponse?>(null);
        }
        return ValueTask.FromResult(entry.Response.Owner == owner ? entry.Response : null);
    }

    public ValueTask<bool> DeleteAsync(string owner, string id, CancellationToken cancellationToken)
    {
        if (!_entries.TryGetValue(id, out var entry) || entry.Response.Owner != owner) return ValueTask.FromResult(false);
        Remove(id, entry);
        return ValueTask.FromResult(entry.ExpiresAt > _time.GetUtcNow());
    }

    private void Remove(string id, Entry entry)
    {
        if (_entries.TryRemove(new KeyValuePair<string, Entry>(id, entry))) Interlocked.Add(ref _bytes, -entry.Size);
    }

    private void Evict()
    {
        // Oldest first, while over the bounds or expired.
        var now = _time.GetUtcNow();
        while (_order.TryPeek(out var oldest))
        {
            var found = _entries.TryGetValue(oldest, out var entry);
            var over = _entries.Count > maxEntries || Interlocked.Read(ref _bytes) > maxBytes;
            if (found && !over && entry!.ExpiresAt > now) return;
            if (!_order.TryDequeue(out var dequeued)) return;
            if (found && dequeued == oldest) Remove(oldest, entry!);
        }
    }

    private static long SizeOf(StoredResponse response) =>
        response.Body.Length + response.Conversation.Sum(m => 64 + m.Content.Sum(b => b switch
        {
            TextBlock t => t.Text.Length * 2L,
            ToolCallBlock c => (c.Arguments.Length + c.Name.Length + c.Id.Length) * 2L,
            ToolResultBlock r => 64 + r.Content.Sum(c => c is TextBlock t ? t.Text.Length * 2L : 256),
            ReasoningBlock r => (r.Text?.Length ?? 0) * 2L + (r.Signature?.Length ?? 0) + (r.RedactedData?.Length ?? 0),
            ImageBlock i => i.Base64Data?.Length ?? 256,
            DocumentBlock d => d.Base64Data?.Length ?? 256,
            _ => 256L,
        }));
}

/// <summary>Who owns a stored response: the authenticated caller and the very key presented, so that one key never reads another's.</summary>
public static class ResponseOwner
{
    public static string Of(GatewayRequest request) => Of(request.Caller, request.PresentedKey);

    public static string Of(Caller? caller, string? presentedKey)
    {
        var id = caller?.Id ?? Caller.Anonymous.Id;
        if (presentedKey is not { Length: > 0 }) return id;
        return id + ":" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey)).AsSpan(0, 16));
    }
}
