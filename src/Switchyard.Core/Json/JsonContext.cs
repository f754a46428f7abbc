using System.Text.Json.Serialization;

namespace Switchyard.Json;

/// <summary>Source-generated serializers for the small values Core writes by hand-built JSON.</summary>
[JsonSerializable(typeof(string))]
internal sealed partial class JsonContext : JsonSerializerContext;
