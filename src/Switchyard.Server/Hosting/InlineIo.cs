namespace Switchyard.Server.Hosting;

/// <summary>
/// Runs socket completions and Kestrel's request processing on the sockets' own event threads instead of handing each one to
/// the thread pool. A proxy does little work per event, so the hand-offs (a thread wake-up each, twice per request per
/// side) cost more than the work: on the load harness this took the gateway from ~63 to ~53 µs of CPU per request.
/// The price is that nothing on the request path may block; storage calls that are synchronous underneath (SQLite) leave
/// the event thread first (<c>Switchyard.Storage</c>'s <c>OffEventThread</c>). Opt out with
/// <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c>.
/// </summary>
internal static class InlineIo
{
    private const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Turns inline completions on unless the environment says otherwise; must run before the first socket is made.</summary>
    public static void EnableUnlessConfigured()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null) Environment.SetEnvironmentVariable(Variable, "1");
    }

    /// <summary>Whether socket completions run inline in this process (read once by the runtime, at its first socket).</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "1";
}
