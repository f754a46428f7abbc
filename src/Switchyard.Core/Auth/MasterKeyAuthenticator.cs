using System.Security.Cryptography;
using System.Text;
using Switchyard.Pipeline;

namespace Switchyard.Auth;

/// <summary>Accepts the master key; with no master key configured every caller is anonymous and allowed.</summary>
public sealed class MasterKeyAuthenticator(string? masterKey) : IAuthenticator
{
    private readonly byte[]? _masterKeyHash = masterKey is null ? null : SHA256.HashData(Encoding.UTF8.GetBytes(masterKey));

    public bool IsOpen => _masterKeyHash is null;

    public ValueTask<Caller?> AuthenticateAsync(string? presentedKey, CancellationToken cancellationToken)
    {
        if (_masterKeyHash is null) return ValueTask.FromResult<Caller?>(Caller.Anonymous);
        if (string.IsNullOrEmpty(presentedKey)) return ValueTask.FromResult<Caller?>(null);
        // Compare hashes in constant time so that neither length nor content leaks through timing.
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(presentedKey));
        return ValueTask.FromResult(CryptographicOperations.FixedTimeEquals(presented, _masterKeyHash) ? Caller.Master : null);
    }
}
