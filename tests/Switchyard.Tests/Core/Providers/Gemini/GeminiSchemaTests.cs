using System.Text.Json;
using System.Text.Json.Nodes;
using Switchyard.Providers.Gemini;

namespace Switchyard.Tests.Core.Providers.Gemini;

/// <summary>
/// The JSON Schema rewrite for Gemini's OpenAPI subset: what Gemini rejects goes, what it can say is kept or re-expressed,
/// and what it cannot say at all is reported so that the caller sends full JSON Schema instead.
/// </summary>
public sealed class GeminiSchemaTests
{
    private static JsonNode? Rewrite(string schema, bool order = false) =>
        GeminiSchema.Rewrite(JsonDocument.Parse(schema).RootElement, order) is { } text ? JsonNode.Parse(text) : null;

    private static void AssertRewrite(string schema, string expected, bool order = false)
    {
        var actual = Rewrite(schema, order);
        Assert.NotNull(actual);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), actual.ToJsonString());
    }

    [Fact]
    public void KeysGeminiRejectsAreDropped()
    {
        AssertRewrite("""
            {"$schema":"http://json-schema.org/draft-07/schema#","$id":"x","type":"object","additionalProperties":false,"strict":true,
             "properties":{"city":{"type":"string","examples":["Paris"],"$comment":"c","minLength":1}},"required":["city"]}
            """,
            """{"type":"object","properties":{"city":{"type":"string","minLength":1}},"required":["city"]}""");
    }

    [Fact]
    public void KeysGeminiKnowsAreKept()
    {
        const string schema = """
            {"type":"object","title":"T","description":"D","properties":{
              "n":{"type":"integer","format":"int64","minimum":1,"maximum":9,"default":3},
              "tags":{"type":"array","items":{"type":"string","enum":["a","b"]},"minItems":1,"maxItems":3},
              "when":{"type":"string","format":"date-time","pattern":"^2","example":"2025-01-01T00:00:00Z"}},
             "required":["n"],"minProperties":1}
            """;
        AssertRewrite(schema, schema);
    }

    [Fact]
    public void LocalRefsAreInlinedWithTheirSiblingsWinning()
    {
        AssertRewrite("""
            {"type":"object","$defs":{"Address":{"type":"object","description":"An address.","properties":{"street":{"type":"string"}},"required":["street"]}},
             "properties":{"home":{"$ref":"#/$defs/Address","description":"Where they live."},"work":{"$ref":"#/definitions/Address"}},
             "definitions":{"Address":{"type":"object","properties":{"street":{"type":"string"}}}}}
            """,
            """
            {"type":"object","properties":{
              "home":{"type":"object","description":"Where they live.","properties":{"street":{"type":"string"}},"required":["street"]},
              "work":{"type":"object","properties":{"street":{"type":"string"}}}}}
            """);
    }

    [Fact]
    public void RecursiveRefCannotBeExpressed()
    {
        Assert.Null(Rewrite("""
            {"type":"object","properties":{"root":{"$ref":"#/$defs/Node"}},
             "$defs":{"Node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/$defs/Node"}}}}}}
            """));
    }

    [Fact]
    public void FreeFormNestedObjectCannotBeExpressed()
    {
        Assert.Null(Rewrite("""{"type":"object","properties":{"meta":{"type":"object","additionalProperties":{"type":"string"}}}}"""));
        // At the top an empty parameter object is fine (a tool without arguments).
        AssertRewrite("""{"type":"object","properties":{},"additionalProperties":false}""", """{"type":"object","properties":{}}""");
    }

    [Fact]
    public void NullAlternativesBecomeNullable()
    {
        AssertRewrite("""
            {"type":"object","properties":{
              "a":{"type":["string","null"]},
              "b":{"anyOf":[{"type":"integer"},{"type":"null"}],"description":"maybe a number"},
              "c":{"oneOf":[{"type":"string"},{"type":"integer"}]},
              "d":{"type":["string","integer"]}}}
            """,
            """
            {"type":"object","properties":{
              "a":{"type":"string","nullable":true},
              "b":{"type":"integer","description":"maybe a number","nullable":true},
              "c":{"anyOf":[{"type":"string"},{"type":"integer"}]},
              "d":{"anyOf":[{"type":"string"},{"type":"integer"}]}}}
            """);
    }

    [Fact]
    public void AllOfIsMerged()
    {
        AssertRewrite("""
            {"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},{"properties":{"b":{"type":"number"}},"required":["b"]}]}
            """,
            """{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"number"}},"required":["a","b"]}""");
    }

    [Fact]
    public void ConstFormatsAndEnumsAreMadeAcceptable()
    {
        AssertRewrite("""
            {"type":"object","properties":{
              "kind":{"type":"string","const":"circle"},
              "email":{"type":"string","format":"email"},
              "level":{"type":"integer","enum":[1,2,3]},
              "ratio":{"type":"number","format":"double"}},
             "required":["kind","missing"]}
            """,
            """
            {"type":"object","properties":{
              "kind":{"type":"string","enum":["circle"]},
              "email":{"type":"string"},
              "level":{"type":"integer"},
              "ratio":{"type":"number","format":"double"}},
             "required":["kind"]}
            """);
    }

    [Fact]
    public void StructuredOutputKeepsTheClientsKeyOrder()
    {
        AssertRewrite("""{"type":"object","properties":{"z":{"type":"string"},"a":{"type":"object","properties":{"y":{"type":"string"},"b":{"type":"string"}}}}}""",
            """
            {"type":"object","properties":{"z":{"type":"string"},"a":{"type":"object","properties":{"y":{"type":"string"},"b":{"type":"string"}},"propertyOrdering":["y","b"]}},
             "propertyOrdering":["z","a"]}
            """, order: true);
    }

    [Fact]
    public void TupleItemsUseTheFirstSchema()
    {
        AssertRewrite("""{"type":"array","items":[{"type":"string"},{"type":"integer"}]}""", """{"type":"array","items":{"type":"string"}}""");
    }
}
