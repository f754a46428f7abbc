namespace Switchyard.Dialects;

/// <summary>RFC 2397 <c>data:</c> URLs with base64 payloads, the way every API carries inline images and files.</summary>
public static class DataUrl
{
    public static bool TryParse(string url, out string? mediaType, out string? base64Data)
    {
        mediaType = base64Data = null;
        if (!url.StartsWith("data:", StringComparison.OrdinalIgnoreCase)) return false;
        var comma = url.IndexOf(',');
        var marker = url.LastIndexOf(";base64", comma < 0 ? url.Length - 1 : comma, StringComparison.OrdinalIgnoreCase);
        if (comma < 0 || marker < 0) return false;
        mediaType = url[5..marker];
        base64Data = url[(comma + 1)..];
        return true;
    }

    public static string Format(string? mediaType, string base64Data) => $"data:{mediaType ?? "application/octet-stream"};base64,{base64Data}";
}
