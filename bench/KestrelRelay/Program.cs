// A pass-through with no gateway logic: POST <path> is sent to <upstream><path> with its body and content type, and the
// answer's status, content type and body are copied back as they arrive. What Kestrel and SocketsHttpHandler cost on
// their own, measured in the same run as the gateway and the nginx hop (bench/README.md, "The .NET floor").
//
// Usage: kestrel-relay --port N --upstream http://127.0.0.1:M [--server kestrel|sockets] [--client handler|sockets]
// "sockets" replaces Kestrel, or SocketsHttpHandler, with the minimal HTTP/1.1 of LeanHttp.cs.
using System.Net;

if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}
var port = 18183;
var upstream = "http://127.0.0.1:18180";
var server = "kestrel";
var clientKind = "handler";
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port": port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--upstream": upstream = args[i + 1].TrimEnd('/'); break;
        case "--server": server = args[i + 1]; break;
        case "--client": clientKind = args[i + 1]; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

var upstreamUri = new Uri(upstream);
var lean = new LeanUpstreamClient(new IPEndPoint(IPAddress.Parse(upstreamUri.Host), upstreamUri.Port));
var client = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    UseCookies = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
});

if (server == "sockets")
{
    await new LeanHttpServer(new IPEndPoint(IPAddress.Loopback, port), async exchange =>
    {
        if (clientKind == "sockets")
        {
            await lean.SendAsync(exchange.Path, exchange.ContentType, exchange.Body, exchange);
            return;
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, upstream + exchange.Path) { Content = new ByteArrayContent(exchange.Body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", exchange.ContentType);
        using var response = await client.SendAsync(request, CancellationToken.None);
        await exchange.HeadAsync((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), response.Content.Headers.ContentLength ?? 0);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0) await exchange.BodyAsync(buffer.AsMemory(0, read));
    }).RunAsync();
    return 0;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
var app = builder.Build();

app.MapPost("/{**path}", async (HttpContext context) =>
{
    var body = new byte[(int)(context.Request.ContentLength ?? 0)];
    await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted);
    if (clientKind == "sockets")
    {
        await lean.SendAsync(context.Request.Path.Value!, context.Request.ContentType, body, new KestrelSink(context));
        return;
    }
    using var request = new HttpRequestMessage(HttpMethod.Post, upstream + context.Request.Path.Value) { Content = new ByteArrayContent(body) };
    request.Content.Headers.TryAddWithoutValidation("Content-Type", context.Request.ContentType);
    using var response = await client.SendAsync(request, context.RequestAborted);
    context.Response.StatusCode = (int)response.StatusCode;
    context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
    if (response.Content.Headers.ContentLength is { } length) context.Response.ContentLength = length;
    await using var stream = await response.Content.ReadAsStreamAsync(context.RequestAborted);
    var buffer = new byte[4096];
    int read;
    while ((read = await stream.ReadAsync(buffer, context.RequestAborted)) > 0)
    {
        // Flushed per read, as the gateway flushes a stream's events: SSE goes out as it arrives.
        await context.Response.Body.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
    }
});
await app.RunAsync();
return 0;

/// <summary>Writes a lean upstream answer to a Kestrel response, flushed per piece as the handler path is.</summary>
internal sealed class KestrelSink(HttpContext context) : IAnswerSink
{
    public ValueTask HeadAsync(int status, string? contentType, long contentLength)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        context.Response.ContentLength = contentLength;
        return ValueTask.CompletedTask;
    }

    public ValueTask BodyAsync(ReadOnlyMemory<byte> piece) => context.Response.Body.WriteAsync(piece, context.RequestAborted);
}
