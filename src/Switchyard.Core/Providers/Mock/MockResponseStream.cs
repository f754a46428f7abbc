using System.Runtime.CompilerServices;
using Switchyard.Pipeline;
using Switchyard.Protocol;

namespace Switchyard.Providers.Mock;

/// <summary>The mock's answer as a canonical stream, one word a chunk, optionally paced and optionally cut.</summary>
internal sealed class MockResponseStream(string id, string model, long created, string text, Usage usage, MockSettings settings) : ResponseStream
{
    public override ApiFormat Format => ApiFormat.Canonical;

    public override async IAsyncEnumerable<StreamItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        yield return StreamItem.Of(new ResponseStarted(id, model, created));
        yield return StreamItem.Of(new BlockStarted(0, 0, BlockKind.Text));
        var sent = 0;
        foreach (var piece in Pieces(text))
        {
            if (settings.CutAfter is { } cut && sent >= cut)
            {
                yield return StreamItem.Of(new StreamFailed(new GatewayError(502, ErrorKind.UpstreamError,
                    $"mock broke the stream after {cut} chunks (mock_cut_after); the answer is truncated.") { Code = "upstream_stream_broken" }));
                yield break;
            }
            if (settings.ChunkDelay > TimeSpan.Zero && sent > 0) await Task.Delay(settings.ChunkDelay, cancellationToken).ConfigureAwait(false);
            yield return StreamItem.Of(new TextDelta(0, 0, piece));
            sent++;
        }
        yield return StreamItem.Of(new BlockStopped(0, 0));
        yield return StreamItem.Of(new Finished(0, FinishReason.Stop, "stop"));
        Usage = usage;
        yield return StreamItem.Of(new UsageReported(usage));
        yield return StreamItem.Of(Completed.Instance);
    }

    /// <summary>Splits text into words, each keeping the space before it, as models stream tokens.</summary>
    private static IEnumerable<string> Pieces(string text)
    {
        var start = 0;
        for (var i = 1; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == ' ')
            {
                yield return text[start..i];
                start = i;
            }
        }
    }
}
