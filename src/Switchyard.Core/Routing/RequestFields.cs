using System.Text.Json;
using Switchyard.Pipeline;

namespace Switchyard.Routing;

/// <summary>
/// The fields a conditional routing config can test: <c>params.*</c> from the request body and <c>metadata.*</c> from the
/// body's <c>metadata</c> object or the <c>x-switchyard-metadata</c> (or Portkey's <c>x-portkey-metadata</c>) header, whose
/// keys win. Parsed on first use only.
/// </summary>
internal sealed class RequestFields(GatewayRequest request) : IDisposable
{
    private JsonDocument? _body;
    private JsonDocument? _header;
    private bool _parsed;

    public JsonElement? Lookup(string field)
    {
        Parse();
        var dot = field.IndexOf('.');
        if (dot <= 0) return null;
        var (scope, path) = (field[..dot], field[(dot + 1)..]);
        if (scope == "params") return _body is null ? null : Walk(_body.RootElement, path);
        if (scope != "metadata") return null;
        if (_header is not null && Walk(_header.RootElement, path) is { } fromHeader) return fromHeader;
        return _body is not null && _body.RootElement.TryGetProperty("metadata", out var metadata) ? Walk(metadata, path) : null;
    }

    private void Parse()
    {
        if (_parsed) return;
        _parsed = true;
        try
        {
            _body = JsonDocument.Parse(request.Body.Raw);
        }
        catch (JsonException)
        {
            _body = null;
        }
        var header = request.Header("x-switchyard-metadata") ?? request.Header("x-portkey-metadata");
        if (header is { Length: > 0 })
        {
            try
            {
                _header = JsonDocument.Parse(header);
            }
            catch (JsonException)
            {
                _header = null;
            }
        }
    }

    private static JsonElement? Walk(JsonElement element, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element)) return null;
        }
        return element;
    }

    public void Dispose()
    {
        _body?.Dispose();
        _header?.Dispose();
    }
}
