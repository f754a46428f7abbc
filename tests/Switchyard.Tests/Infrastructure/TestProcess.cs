using System.Runtime.CompilerServices;

namespace Switchyard.Tests.Infrastructure;

internal static class TestProcess
{
    /// <summary>
    /// The gateway process runs socket completions inline (<c>InlineIo</c>); so does the test process, before its first
    /// socket, so that the in-process gateways, their fake providers and clients run the way production does.
    /// </summary>
    [ModuleInitializer]
    internal static void RunSocketsLikeTheGateway()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
        {
            Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
        }
    }
}
