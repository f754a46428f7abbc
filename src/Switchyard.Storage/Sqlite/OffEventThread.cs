namespace Switchyard.Storage.Sqlite;

/// <summary>
/// SQLite's "async" calls run synchronously. The gateway runs request code on the sockets' event threads (inline
/// completions), where blocking for a query would stall every connection served by that thread, so SQLite work called from
/// outside the thread pool moves onto it first. Thread-pool callers (the ledger writer, admin work already moved) pay nothing.
/// </summary>
internal static class OffEventThread
{
    public static async ValueTask LeaveAsync()
    {
        if (!Thread.CurrentThread.IsThreadPoolThread) await Task.Yield();
    }
}
