using System.Text;
using System.Text.Json;
using Switchyard.Providers.OpenAiCompatible;

namespace Switchyard.Tests.Core.Providers;

public sealed class ContentPartsNormalizerTests
{
    [Fact]
    public void AMessageWithThinkingAndTextPartsBecomesReasoningContentAndStringContent()
    {
        var answer = """
            {"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":[
              {"type":"thinking","thinking":[{"type":"text","text":"Let me "},{"type":"text","text":"think."}]},
              {"type":"text","text":"Cross at the lights."}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}}
            """;
        var normalized = ContentPartsNormalizer.Normalize(Encoding.UTF8.GetBytes(answer));
        Assert.NotNull(normalized);
        var root = JsonDocument.Parse(normalized).RootElement;
        var message = root.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("Cross at the lights.", message.GetProperty("content").GetString());
        Assert.Equal("Let me think.", message.GetProperty("reasoning_content").GetString());
        Assert.Equal(12, root.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public void AThinkingOnlyDeltaCarriesNoContent()
    {
        var chunk = """{"choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"Okay"}]}]},"finish_reason":null}]}""";
        var delta = JsonDocument.Parse(ContentPartsNormalizer.Normalize(Encoding.UTF8.GetBytes(chunk))!).RootElement.GetProperty("choices")[0].GetProperty("delta");
        Assert.False(delta.TryGetProperty("content", out _));
        Assert.Equal("Okay", delta.GetProperty("reasoning_content").GetString());
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"plain"},"finish_reason":null}]}""")]
    [InlineData("""{"choices":[{"index":0,"message":{"role":"assistant","content":"a \"content\":[ look-alike"}}]}""")]
    public void OpenAiShapedAnswersAreLeftAlone(string json) => Assert.Null(ContentPartsNormalizer.Normalize(Encoding.UTF8.GetBytes(json)));
}
