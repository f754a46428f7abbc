using Switchyard.Pipeline;

namespace Switchyard.Auth;

/// <summary>Decides who presented a key. Returns null for a missing, unknown or revoked key.</summary>
public interface IAuthenticator
{
    ValueTask<Caller?> AuthenticateAsync(string? presentedKey, CancellationToken cancellationToken);
}
