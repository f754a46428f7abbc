using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Auth;

/// <summary>The outermost stage: nothing of the request is read before the caller is known.</summary>
public sealed class AuthenticationStage(GatewayHandler inner, IAuthenticator authenticator) : DelegatingGatewayHandler(inner)
{
    public override ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var authentication = authenticator.AuthenticateAsync(request.PresentedKey, cancellationToken);
        if (!authentication.IsCompletedSuccessfully) return AuthenticateThenSendAsync(authentication, request, cancellationToken);
        // The usual case (the master key, a cached virtual key): known at once, and the inner call's task is this call's, with
        // no async frame of this stage's own around it.
        if (authentication.Result is not { } caller) return ValueTask.FromException<ChatResult>(new GatewayException(Unauthorized(request.PresentedKey)));
        request.Caller = caller;
        return Inner.SendAsync(request, cancellationToken);
    }

    private async ValueTask<ChatResult> AuthenticateThenSendAsync(ValueTask<Caller?> authentication, GatewayRequest request, CancellationToken cancellationToken)
    {
        request.Caller = await authentication.ConfigureAwait(false) ?? throw new GatewayException(Unauthorized(request.PresentedKey));
        return await Inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public static GatewayError Unauthorized(string? presentedKey) => new(401, ErrorKind.Authentication,
        presentedKey is null
            ? "Missing API key. Pass it as 'Authorization: Bearer KEY', 'x-api-key: KEY' or 'api-key: KEY'."
            : "Invalid API key.")
    { Code = presentedKey is null ? "missing_api_key" : "invalid_api_key" };
}
