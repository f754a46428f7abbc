using System.Text.Json;
using Switchyard.Pipeline;

namespace Switchyard.Dialects.OpenAiChat;

/// <summary>
/// Rewrites an OpenAI body for the upstream by splicing bytes at the offsets the summarizer found: the model name is
/// replaced, fields meant for the gateway alone (<see cref="GatewayFields"/>) are removed and, when the gateway wants usage
/// on a stream the client did not ask it for, <c>include_usage</c> is set. Everything else is relayed byte for byte.
/// </summary>
internal static class OpenAiBodyRewriter
{
    private static readonly byte[] TrueLiteral = "true"u8.ToArray();
    private static readonly byte[] StreamOptionsLiteral = "{\"include_usage\":true}"u8.ToArray();

    public static byte[] Rewrite(ReadOnlySpan<byte> body, RequestSummary summary, string model, bool requestUsage)
    {
        var modelToken = JsonModelToken(model);
        ReadOnlySpan<byte> insert = default;
        int insertAt = -1, replaceStart = -1, replaceLength = 0;
        var replacement = TrueLiteral;

        if (requestUsage && summary.Stream && !summary.IncludeUsage)
        {
            if (summary.IncludeUsageValueStart >= 0)
            {
                replaceStart = summary.IncludeUsageValueStart;
                replaceLength = summary.IncludeUsageValueLength;
            }
            else if (summary.StreamOptionsNullStart >= 0)
            {
                replaceStart = summary.StreamOptionsNullStart;
                replaceLength = 4;
                replacement = StreamOptionsLiteral;
            }
            else if (summary.StreamOptionsEnd >= 0)
            {
                insertAt = summary.StreamOptionsEnd;
                insert = summary.StreamOptionsHasMembers ? ",\"include_usage\":true"u8 : "\"include_usage\":true"u8;
            }
            else
            {
                insertAt = summary.BodyEnd;
                insert = ",\"stream_options\":{\"include_usage\":true}"u8;
            }
        }

        var edits = new List<Edit>(2 + (summary.GatewayFieldRanges?.Count ?? 0))
        {
            new(summary.ModelTokenStart, summary.ModelTokenLength, modelToken),
        };
        if (replaceStart >= 0) edits.Add(new Edit(replaceStart, replaceLength, replacement));
        else if (insertAt >= 0) edits.Add(new Edit(insertAt, 0, insert.ToArray()));
        if (summary.GatewayFieldRanges is { } removals)
        {
            foreach (var (start, length) in removals) edits.Add(new Edit(start, length, []));
        }
        edits.Sort(static (x, y) => x.At.CompareTo(y.At));

        var size = body.Length;
        foreach (var edit in edits) size += edit.Bytes.Length - edit.Remove;
        var output = new byte[size];
        var written = 0;
        var read = 0;
        foreach (var edit in edits)
        {
            body[read..edit.At].CopyTo(output.AsSpan(written));
            written += edit.At - read;
            edit.Bytes.CopyTo(output.AsSpan(written));
            written += edit.Bytes.Length;
            read = edit.At + edit.Remove;
        }
        body[read..].CopyTo(output.AsSpan(written));
        return output;
    }

    /// <summary>Replace <see cref="Remove"/> bytes at <see cref="At"/> with <see cref="Bytes"/>.</summary>
    private readonly record struct Edit(int At, int Remove, byte[] Bytes);

    private static byte[] JsonModelToken(string model)
    {
        // JsonEncodedText escapes exactly as a JSON writer would; the quotes are added around it.
        var encoded = JsonEncodedText.Encode(model).EncodedUtf8Bytes;
        var token = new byte[encoded.Length + 2];
        token[0] = (byte)'"';
        encoded.CopyTo(token.AsSpan(1));
        token[^1] = (byte)'"';
        return token;
    }
}
