using Npgsql;

namespace Switchyard.Storage;

public enum DatabaseKind { Sqlite, Postgres }

/// <summary>
/// Where the gateway's database is, parsed from a URL: none (SQLite under the data directory), <c>sqlite:///path</c> or
/// <c>sqlite:path</c>, <c>postgres://user:pass@host:port/db?sslmode=...</c> (or <c>postgresql://</c>), or a raw Npgsql
/// connection string (<c>Host=...;</c>). Error messages never repeat the URL, which may carry a password.
/// </summary>
/// <param name="Target">The SQLite file path, or the Npgsql connection string.</param>
public sealed record DatabaseUrl(DatabaseKind Kind, string Target)
{
    public const int DefaultMaxPoolSize = 20;
    private const int NpgsqlDefaultMaxPoolSize = 100;

    public static DatabaseUrl Parse(string? databaseUrl, string dataDirectory)
    {
        if (string.IsNullOrWhiteSpace(databaseUrl))
            return new(DatabaseKind.Sqlite, Path.GetFullPath(Path.Combine(dataDirectory, "switchyard.db")));
        var url = databaseUrl.Trim();
        var colon = url.IndexOf(':');
        var scheme = colon > 0 ? url[..colon].ToLowerInvariant() : "";
        switch (scheme)
        {
            case "sqlite":
                var path = url[(colon + 1)..];
                if (path.StartsWith("//", StringComparison.Ordinal)) path = path[2..];
                if (path.Length == 0) throw new ArgumentException("The sqlite: database URL names no file (use sqlite:///absolute/path.db or sqlite:relative.db).", nameof(databaseUrl));
                return new(DatabaseKind.Sqlite, Path.GetFullPath(path));
            case "postgres" or "postgresql":
                return new(DatabaseKind.Postgres, PostgresConnectionString(url));
        }
        if (!url.Contains("://", StringComparison.Ordinal) && url.Contains('=') && LooksLikeNpgsql(url))
            return new(DatabaseKind.Postgres, WithDefaults(new NpgsqlConnectionStringBuilder(url)));
        throw new ArgumentException(
            $"Unsupported database URL{(scheme.Length > 0 && scheme.All(char.IsAsciiLetterOrDigit) ? $" scheme '{scheme}'" : "")}: use postgres://user:password@host:port/database, postgresql://..., a 'Host=...;' connection string, sqlite:///path/to/file.db, or nothing for SQLite under the data directory.",
            nameof(databaseUrl));
    }

    private static bool LooksLikeNpgsql(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return !string.IsNullOrEmpty(builder.Host);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string PostgresConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new ArgumentException("The postgres:// database URL is malformed: expected postgres://user:password@host:port/database.", "databaseUrl");
        var builder = new NpgsqlConnectionStringBuilder { Host = uri.Host };
        if (!uri.IsDefaultPort && uri.Port > 0) builder.Port = uri.Port;
        if (uri.UserInfo.Length > 0)
        {
            var at = uri.UserInfo.IndexOf(':');
            builder.Username = Uri.UnescapeDataString(at < 0 ? uri.UserInfo : uri.UserInfo[..at]);
            if (at >= 0) builder.Password = Uri.UnescapeDataString(uri.UserInfo[(at + 1)..]);
        }
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length > 0) builder.Database = database;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            var value = eq < 0 ? "" : Uri.UnescapeDataString(pair[(eq + 1)..]);
            try
            {
                builder[key.Equals("sslmode", StringComparison.OrdinalIgnoreCase) ? "SSL Mode" : key] = value;
            }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or KeyNotFoundException)
            {
                throw new ArgumentException($"The postgres:// database URL has an unsupported or invalid option '{key}'.", "databaseUrl");
            }
        }
        return WithDefaults(builder);
    }

    private static string WithDefaults(NpgsqlConnectionStringBuilder builder)
    {
        // Npgsql's own default is 100; a gateway instance needs far fewer, and several instances share one server.
        if (builder.MaxPoolSize == NpgsqlDefaultMaxPoolSize) builder.MaxPoolSize = DefaultMaxPoolSize;
        return builder.ConnectionString;
    }

    public override string ToString() => Kind == DatabaseKind.Sqlite ? $"sqlite:{Target}" : "postgres (connection string hidden)";
}
