using Switchyard.Routing;

namespace Switchyard.Providers.Bedrock;

/// <summary>
/// Builds Bedrock clients. Region and credentials come from the entry's settings (<c>aws_region</c> — LiteLLM's
/// <c>aws_region_name</c> arrives under that name —, <c>aws_access_key_id</c>, <c>aws_secret_access_key</c>,
/// <c>aws_session_token</c>), or else from the environment at start-up (<c>AWS_REGION</c>/<c>AWS_DEFAULT_REGION</c>,
/// <c>AWS_ACCESS_KEY_ID</c>, <c>AWS_SECRET_ACCESS_KEY</c>, <c>AWS_SESSION_TOKEN</c>); a Bedrock API key (<c>api_key</c>, or
/// <c>AWS_BEARER_TOKEN_BEDROCK</c>) is sent as a bearer token instead of signing. The endpoint is <c>api_base</c>,
/// LiteLLM's <c>aws_bedrock_runtime_endpoint</c>, or <c>https://bedrock-runtime.{region}.amazonaws.com</c>.
/// </summary>
public sealed class BedrockProviderFactory : IProviderFactory
{
    private readonly UpstreamClientPool _pool;
    private readonly TimeProvider _clock;
    private readonly Func<string, string?> _environment;

    public BedrockProviderFactory(UpstreamClientPool pool) : this(pool, TimeProvider.System, Environment.GetEnvironmentVariable)
    {
    }

    /// <param name="clock">The clock the signatures are dated by (fixed in tests).</param>
    /// <param name="environment">Reads an environment variable (replaced in tests).</param>
    public BedrockProviderFactory(UpstreamClientPool pool, TimeProvider clock, Func<string, string?> environment)
    {
        _pool = pool;
        _clock = clock;
        _environment = environment;
    }

    public string Name => "bedrock";

    public IProvider Create(DeploymentOptions options)
    {
        var region = Setting(options, "aws_region") ?? Setting(options, "aws_region_name") ?? Env("AWS_REGION") ?? Env("AWS_DEFAULT_REGION")
            ?? throw new ArgumentException($"{options.Source}: provider 'bedrock' needs a region: set aws_region (or AWS_REGION in the environment).");
        var auth = Authentication(options);
        var apiBase = (options.ApiBase ?? Setting(options, "aws_bedrock_runtime_endpoint") ?? $"https://bedrock-runtime.{region}.amazonaws.com").TrimEnd('/');
        if (!Uri.TryCreate(apiBase + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"{options.Source}: provider 'bedrock' has an invalid api_base.");
        }
        var endpoint = new BedrockEndpoint(baseUri, region, auth with { ApiBase = apiBase });
        return new BedrockProvider(options, endpoint, _pool.For(baseUri, options.Timeouts.Connect), _clock);
    }

    /// <summary>
    /// The first of: AWS keys in the entry's settings, the entry's <c>api_key</c> (a Bedrock API key), AWS keys in the
    /// environment, <c>AWS_BEARER_TOKEN_BEDROCK</c>. A session token is only ever taken with the key pair from the same place.
    /// </summary>
    private BedrockSecrets Authentication(DeploymentOptions options)
    {
        if (Setting(options, "aws_access_key_id") is not null || Setting(options, "aws_secret_access_key") is not null)
        {
            return new BedrockSecrets(Credentials(options, Setting(options, "aws_access_key_id"), Setting(options, "aws_secret_access_key"), Setting(options, "aws_session_token")), "");
        }
        if (options.ApiKey is { Length: > 0 } apiKey) return new BedrockSecrets(null, "") { BearerToken = apiKey };
        if (Env("AWS_ACCESS_KEY_ID") is not null || Env("AWS_SECRET_ACCESS_KEY") is not null)
        {
            return new BedrockSecrets(Credentials(options, Env("AWS_ACCESS_KEY_ID"), Env("AWS_SECRET_ACCESS_KEY"), Env("AWS_SESSION_TOKEN")), "");
        }
        if (Env("AWS_BEARER_TOKEN_BEDROCK") is { } bearer) return new BedrockSecrets(null, "") { BearerToken = bearer };
        throw new ArgumentException($"{options.Source}: provider 'bedrock' needs AWS credentials: set aws_access_key_id and aws_secret_access_key (or a Bedrock api_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment).");
    }

    private static AwsCredentials Credentials(DeploymentOptions options, string? accessKey, string? secretKey, string? sessionToken)
    {
        if (accessKey is not null && secretKey is not null) return new AwsCredentials(accessKey, secretKey, sessionToken);
        var missing = accessKey is null ? "aws_access_key_id" : "aws_secret_access_key";
        throw new ArgumentException($"{options.Source}: provider 'bedrock' has an incomplete AWS key pair: {missing} is missing.");
    }

    private static string? Setting(DeploymentOptions options, string name) =>
        options.Settings.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private string? Env(string name) => _environment(name) is { Length: > 0 } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
}
