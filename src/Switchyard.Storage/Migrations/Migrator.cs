using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Switchyard.Storage.Sql;

namespace Switchyard.Storage.Migrations;

/// <summary>
/// Applies the numbered scripts embedded under <c>Migrations/{Dialect}/NNNN_name.sql</c>, each in its own transaction that
/// also records it in <c>schema_migrations</c>. Each transaction first takes the migration lock (PostgreSQL: an advisory
/// transaction lock; SQLite: BEGIN IMMEDIATE), then re-reads what is applied, so instances starting together are safe.
/// </summary>
internal sealed partial class Migrator(StoreDatabase database)
{
    private const string CreateTable =
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

    public sealed record Migration(int Version, string Name, string Sql);

    public IReadOnlyList<Migration> Migrations { get; } = Load(database.MigrationFolder);

    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<int>();
        foreach (var migration in Migrations)
        {
            var ran = await database.WriteAsync(async (connection, transaction) =>
            {
                await database.LockForMigrationAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync(CreateTable, transaction, cancellationToken).ConfigureAwait(false);
                var done = await connection.ScalarInt64Async(
                    "SELECT COUNT(*) FROM schema_migrations WHERE version = @Version", transaction, cancellationToken, SqlArg.Int64("Version", migration.Version)).ConfigureAwait(false);
                if (done > 0) return false;
                await connection.ExecuteAsync(migration.Sql, transaction, cancellationToken).ConfigureAwait(false);
                await connection.ExecuteAsync(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (@Version, @Name, @AppliedAt)", transaction, cancellationToken,
                    SqlArg.Int64("Version", migration.Version), SqlArg.Text("Name", migration.Name),
                    SqlArg.Int64("AppliedAt", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds())).ConfigureAwait(false);
                return true;
            }, cancellationToken).ConfigureAwait(false);
            if (ran) applied.Add(migration.Version);
        }
        return applied;
    }

    private static List<Migration> Load(string folder)
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = $"{typeof(Migrator).Namespace}.{folder}.";
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var match = FileName().Match(resource[prefix.Length..]);
            if (!match.Success) throw new InvalidOperationException($"Migration resource '{resource}' is not named NNNN_name.sql.");
            migrations.Add(new(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), match.Groups[2].Value, Read(assembly, resource)));
        }
        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 1; i < migrations.Count; i++)
            if (migrations[i].Version == migrations[i - 1].Version) throw new InvalidOperationException($"Two {folder} migrations share version {migrations[i].Version}.");
        if (migrations.Count == 0) throw new InvalidOperationException($"No {folder} migrations are embedded.");
        return migrations;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    [GeneratedRegex(@"^_?(\d+)_(.+)\.sql$")]
    private static partial Regex FileName();
}
