using System.Data.Common;
using Switchyard.Storage.Sqlite;

namespace Switchyard.Tests.Storage;

/// <summary>
/// SQLite blocks; the gateway runs request code on the sockets' event threads. Work asked for from such a thread must give
/// the thread back before it blocks, and work asked for from the thread pool needs no extra hop.
/// </summary>
public sealed class SqliteEventThreadTests
{
    [Fact]
    public async Task Sqlite_work_asked_for_outside_the_thread_pool_returns_the_calling_thread_before_it_blocks()
    {
        var path = Path.Combine(Path.GetTempPath(), "switchyard-test-" + Guid.NewGuid().ToString("N") + ".db");
        await using var database = new SqliteDatabase(path);
        try
        {
            // A call that runs synchronously always returns completed. One that hands the work to the pool returns before it
            // is done, unless the pool finishes the open before the caller looks (a loaded machine can deschedule the
            // caller in between): so it must be seen returning early at least once in a few tries, never every time.
            var returnedAtOnce = false;
            for (var attempt = 0; attempt < 20 && !returnedAtOnce; attempt++)
            {
                ValueTask<DbConnection> fromEventThread = default;
                var wasPoolThread = true;
                var eventThread = new Thread(() =>
                {
                    wasPoolThread = Thread.CurrentThread.IsThreadPoolThread;
                    fromEventThread = database.OpenAsync(CancellationToken.None);
                    returnedAtOnce = !fromEventThread.IsCompleted;
                });
                eventThread.Start();
                eventThread.Join();
                Assert.False(wasPoolThread);
                await using (await fromEventThread) { }
            }
            Assert.True(returnedAtOnce, "the open ran synchronously on the calling (event) thread");

            // From the thread pool the same call simply runs: SQLite's open completes synchronously.
            var fromPool = await Task.Run(() =>
            {
                var open = database.OpenAsync(CancellationToken.None);
                return (open.IsCompleted, open);
            });
            Assert.True(fromPool.IsCompleted);
            await using (await fromPool.open) { }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(path)!, Path.GetFileName(path) + "*")) File.Delete(file);
        }
    }
}
