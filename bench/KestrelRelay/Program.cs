// A pass-through with no gateway logic: POST <path> is sent to <upstream><path> with its body and content type, and the
// answer's status, content type and body are copied back as they arrive. What Kestrel and SocketsHttpHandler cost on
// their own, measured in the same run as the gateway and the nginx hop (bench/README.md, "The .NET floor").
//
// Usage: kestrel-relay --port N --upstream http://127.0.0.1:M
using System.Net;

if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}
var port = 18183;
var upstream = "http://127.0.0.1:18180";
for (var i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--port": port = int.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture); break;
        case "--upstream": upstream = args[i + 1].TrimEnd('/'); break;
        default: Console.Error.WriteLine($"unknown option {args[i]}"); return 2;
    }
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
var app = builder.Build();
var client = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    UseCookies = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
});

app.MapPost("/{**path}", async (HttpContext context) =>
{
    var body = new byte[(int)(context.Request.ContentLength ?? 0)];
    await context.Request.Body.ReadExactlyAsync(body, context.RequestAborted);
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
app.Run();
return 0;
