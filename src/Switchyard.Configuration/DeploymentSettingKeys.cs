namespace Switchyard.Configuration;

/// <summary>Provider-specific keys of a model entry that travel to the adapter in <c>DeploymentOptions.Settings</c> under the same name.</summary>
internal static class DeploymentSettingKeys
{
    public static readonly IReadOnlyList<string> PassThrough =
    [
        "api_version", "rpm", "tpm", "max_parallel",
        "mock_response", "mock_latency_ms", "mock_chunk_delay_ms", "mock_fail_status", "mock_fail_rate", "mock_hang", "mock_cut_after",
        "aws_region", "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "aws_bedrock_runtime_endpoint",
        "vertex_project", "vertex_location", "vertex_credentials",
    ];

    /// <summary>Settings whose values are secrets and must be masked when printed.</summary>
    public static readonly IReadOnlySet<string> Secret = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "api_key", "aws_access_key_id", "aws_secret_access_key", "aws_session_token", "vertex_credentials",
    };
}
