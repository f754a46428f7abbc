using Switchyard.Json;
using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Switchyard.Providers.Mock;

/// <summary>Deterministic unit vectors derived from each input's hash: equal inputs give equal embeddings.</summary>
internal static class MockEmbeddings
{
    private const int Dimensions = 16;

    public static byte[] Create(ReadOnlyMemory<byte> body, string model)
    {
        using var document = JsonDocument.Parse(body);
        var input = document.RootElement.GetProperty("input");
        var inputs = input.ValueKind == JsonValueKind.String ? [input.GetString()!] : input.EnumerateArray().Select(e => e.ToString()).ToArray();
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, JsonWriting.Options))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            long tokens = 0;
            for (var i = 0; i < inputs.Length; i++)
            {
                writer.WriteStartObject();
                writer.WriteString("object", "embedding");
                writer.WriteNumber("index", i);
                writer.WriteStartArray("embedding");
                foreach (var value in Vector(inputs[i])) writer.WriteNumberValue(value);
                writer.WriteEndArray();
                writer.WriteEndObject();
                tokens += Math.Max(1, (inputs[i].Length + 3) / 4);
            }
            writer.WriteEndArray();
            writer.WriteString("model", model);
            writer.WriteStartObject("usage");
            writer.WriteNumber("prompt_tokens", tokens);
            writer.WriteNumber("total_tokens", tokens);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static float[] Vector(string text)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text));
        var vector = new float[Dimensions];
        for (var i = 0; i < Dimensions; i++) vector[i] = (hash[i * 2] - 127.5f) / 127.5f;
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        for (var i = 0; i < Dimensions; i++) vector[i] /= norm;
        return vector;
    }
}
