using System.Text;
using System.Text.Json;

namespace Switchyard.Pricing;

/// <summary>
/// Adds <c>"cost": dollars</c> to the top-level <c>usage</c> object of a JSON answer (OpenRouter's convention for
/// <c>usage: {"include": true}</c>), splicing bytes rather than re-serialising, so everything else stays as it was.
/// </summary>
public static class UsageCost
{
    /// <summary>The body with the cost spliced in, or null when it has no top-level usage object.</summary>
    public static byte[]? Inject(ReadOnlySpan<byte> json, long micros)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isUsage = reader.ValueTextEquals("usage"u8);
                reader.Read();
                if (!isUsage || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                var empty = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
                {
                    empty = false;
                    reader.Read();
                    reader.Skip();
                }
                var end = (int)reader.TokenStartIndex;
                var member = Encoding.UTF8.GetBytes((empty ? "" : ",") + "\"cost\":" + Money.Format(micros));
                var result = new byte[json.Length + member.Length];
                json[..end].CopyTo(result);
                member.CopyTo(result.AsSpan(end));
                json[end..].CopyTo(result.AsSpan(end + member.Length));
                return result;
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }
}
