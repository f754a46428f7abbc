using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Auth;

/// <summary>The outermost stage: nothing of the request is read before the caller is known.</summary>
public sealed class AuthenticationStage(GatewayHandler inner, IAuthenticator authenticator) : DelegatingGatewayHandler(inner)
{
    public override async ValueTask<ChatResult> SendAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        request.Caller = await authenticator.AuthenticateAsync(request.PresentedKey, cancellationToken).ConfigureAwait(false)
            ?? throw new GatewayException(Unauthorized(request.PresentedKey));
        return await Inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public static GatewayError Unauthorized(string? presentedKey) => new(401, ErrorKind.Authentication,
        presentedKey is null
            ? "Missing API key. Pass it as 'Authorization: Bearer KEY', 'x-api-key: KEY' or 'api-key: KEY'."
            : "Invalid API key.")
    { Code = presentedKey is null ? "missing_api_key" : "invalid_api_key" };
}
