namespace Switchyard.Configuration;

/// <summary>Reads one entry of the native <c>models:</c> list.</summary>
internal static class NativeModelReader
{
    public static DeploymentDraft Read(YamlSection entry)
    {
        var draft = new DeploymentDraft(entry.Path, entry.Start)
        {
            Name = entry.GetString("name"),
            Provider = entry.GetString("provider"),
            Model = entry.GetString("model"),
            ApiKey = entry.GetString("api_key"),
            ApiBase = entry.GetString("api_base"),
            Weight = entry.GetPositiveNumber("weight"),
            TotalTimeoutSeconds = entry.GetTimeoutSeconds("timeout"),
            FirstByteTimeoutSeconds = entry.GetTimeoutSeconds("stream_timeout"),
            ConnectTimeoutSeconds = entry.GetTimeoutSeconds("connect_timeout"),
            IdleTimeoutSeconds = entry.GetTimeoutSeconds("idle_timeout"),
            Price = PriceReader.ReadNative(entry),
        };
        foreach (var field in (string[])["name", "provider", "model", "api_key", "api_base"])
        {
            draft.Locate(field, entry.PathOf(field), entry.MarkOf(field));
        }
        foreach (var (name, value) in entry.GetStringMap("headers") ?? [])
        {
            draft.Headers[name] = value;
        }
        foreach (var (name, value) in entry.GetStringMap("settings") ?? [])
        {
            draft.Settings[name] = value;
        }
        // The dedicated keys come after the free-form map so that they win when both name the same setting.
        foreach (var key in DeploymentSettingKeys.PassThrough)
        {
            if (entry.GetString(key) is { } value)
            {
                draft.Settings[key] = value;
            }
        }
        entry.ReportUnreadKeys();
        return draft;
    }
}
