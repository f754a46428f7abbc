using System.Globalization;
using Switchyard.Auth;
using Switchyard.Dialects.AnthropicMessages;
using Switchyard.Protocol;
using Switchyard.Server.Hosting;

namespace Switchyard.Server.Endpoints;

/// <summary>
/// <c>POST /v1/messages/count_tokens</c>: <c>{"input_tokens": N}</c> for a Messages API body, counted by Anthropic for an
/// Anthropic deployment, locally for OpenAI-family models, estimated otherwise; <c>x-switchyard-token-count</c> says which.
/// Errors are in Anthropic's shape.
/// </summary>
internal sealed class CountTokensEndpoint(GatewayServices services, ILogger logger)
{
    public const string MethodHeader = "x-switchyard-token-count";
    private static readonly AnthropicMessagesDialect Dialect = AnthropicMessagesDialect.Instance;

    public async Task HandleAsync(HttpContext context)
    {
        var requestId = RequestIds.For(context);
        context.Response.Headers["x-request-id"] = requestId;
        var aborted = context.RequestAborted;
        RentedBody? body = null;
        try
        {
            var presented = PresentedKey.From(context.Request);
            _ = await services.Authenticator.AuthenticateAsync(presented, aborted) ?? throw new GatewayException(AuthenticationStage.Unauthorized(presented));
            body = await RequestBodyReader.ReadAsync(context.Request, services.Options.Server.MaxRequestBodyBytes, aborted);
            var summary = MessagesTokenCounter.Summarize(body.Memory);
            var deployment = services.Catalog.Resolve(summary.Model)?.FirstOrDefault() ?? throw new GatewayException(UnknownModel(summary.Model));
            var (tokens, method) = await MessagesTokenCounter.CountAsync(body.Memory, summary, deployment,
                name => context.Request.Headers.TryGetValue(name, out var value) ? value.ToString() : null, aborted);

            var answer = MessagesTokenCounter.Answer(tokens);
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = answer.Length;
            context.Response.Headers[MethodHeader] = method.ToString().ToLowerInvariant();
            context.Response.Headers["x-switchyard-deployment"] = deployment.Label;
            await context.Response.Body.WriteAsync(answer, aborted);
        }
        catch (GatewayException ex)
        {
            if (ex.Error.Status >= 500) logger.LogWarning("{RequestId} count_tokens failed: {Status} {Message}", requestId, ex.Error.Status, ex.Error.Message);
            await ErrorResponses.WriteAsync(context, ex.Error, Dialect);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            logger.LogInformation("{RequestId} cancelled by the client", requestId);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "{RequestId} count_tokens failed with an unexpected error", requestId);
            await ErrorResponses.WriteAsync(context, new GatewayError(500, ErrorKind.Internal,
                string.Create(CultureInfo.InvariantCulture, $"The gateway failed unexpectedly; the request id is {requestId}.")) { Code = "internal_error" }, Dialect);
        }
        finally
        {
            body?.Dispose();
        }
    }

    private static GatewayError UnknownModel(string model) => new(404, ErrorKind.NotFound,
        $"The model '{model}' does not exist or is not configured on this gateway. GET /v1/models lists the available models.")
    { Code = "model_not_found", Param = "model" };
}
