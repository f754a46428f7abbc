namespace Switchyard.Configuration;

/// <summary>A <c>providers:</c> entry as read, before its provider name and URL are checked.</summary>
internal sealed record ProviderDraft(string Path, string? ApiKey, string? ApiBase);
