using System.Text;

namespace Switchyard.Benchmarks;

/// <summary>The bodies the load benchmark sends and receives: a ~1 KB four-message chat request, a chat answer and a 12-event stream.</summary>
internal static class BenchmarkBodies
{
    public static readonly byte[] ChatRequest = Encoding.UTF8.GetBytes("""
        {"model":"bench-json","messages":[{"role":"system","content":"You are a helpful assistant that answers briefly and precisely, citing sources where possible."},{"role":"user","content":"What is the capital of France, and what is it known for? Please keep the answer short."},{"role":"assistant","content":"Paris is the capital of France. It is known for the Eiffel Tower, the Louvre, its cafes and its long history as a centre of art, fashion and science."},{"role":"user","content":"And how many people live there, roughly, in the city proper and in the wider metropolitan area?"}],"temperature":0.2,"max_tokens":256,"user":"bench-user-42"}
        """);

    public static readonly byte[] StreamRequest = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(ChatRequest).Replace("\"user\":\"bench-user-42\"", "\"user\":\"bench-user-42\",\"stream\":true"));

    public static readonly byte[] ChatResponse = Encoding.UTF8.GetBytes("""
        {"id":"chatcmpl-bench","object":"chat.completion","created":1764000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"About 2.1 million people live in Paris proper and about 12 million in the metropolitan area.","refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":120,"completion_tokens":24,"total_tokens":144,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0}},"service_tier":"default","system_fingerprint":"fp_bench"}
        """);

    public static readonly byte[] Stream = BuildStream();

    private static byte[] BuildStream()
    {
        var text = new StringBuilder();
        const string head = "{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,\"delta\":";
        text.Append("data: ").Append(head).Append("{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        foreach (var word in new[] { "About", " 2.1", " million", " people", " live", " in", " Paris", " proper", "." })
        {
            text.Append("data: ").Append(head).Append("{\"content\":\"").Append(word).Append("\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n\n");
        }
        text.Append("data: ").Append(head).Append("{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n");
        text.Append("data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1764000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"choices\":[],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":9,\"total_tokens\":129}}\n\n");
        text.Append("data: [DONE]\n\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
