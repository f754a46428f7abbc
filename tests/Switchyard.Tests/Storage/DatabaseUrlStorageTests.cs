using Npgsql;
using Switchyard.Storage;

namespace Switchyard.Tests.Storage;

public sealed class DatabaseUrlStorageTests
{
    [Fact]
    public void Empty_means_sqlite_under_the_data_directory()
    {
        var url = DatabaseUrl.Parse(null, "/var/lib/sy");
        Assert.Equal(new DatabaseUrl(DatabaseKind.Sqlite, "/var/lib/sy/switchyard.db"), url);
        Assert.Equal(url, DatabaseUrl.Parse("  ", "/var/lib/sy"));
    }

    [Theory]
    [InlineData("sqlite:///tmp/x/gw.db", "/tmp/x/gw.db")]
    [InlineData("sqlite:/tmp/y.db", "/tmp/y.db")]
    [InlineData("SQLITE:///tmp/z.db", "/tmp/z.db")]
    public void Sqlite_urls_name_a_file(string text, string path) => Assert.Equal(new DatabaseUrl(DatabaseKind.Sqlite, path), DatabaseUrl.Parse(text, "/data"));

    [Fact]
    public void Relative_sqlite_path()
    {
        Assert.Equal(Path.GetFullPath("rel/gw.db"), DatabaseUrl.Parse("sqlite:rel/gw.db", "/data").Target);
    }

    [Theory]
    [InlineData("postgres://sy:p%40ss%3Aword@db.example:6543/gateway?sslmode=require")]
    [InlineData("postgresql://sy:p%40ss%3Aword@db.example:6543/gateway?sslmode=require")]
    public void Postgres_urls_become_connection_strings(string text)
    {
        var url = DatabaseUrl.Parse(text, "/data");
        Assert.Equal(DatabaseKind.Postgres, url.Kind);
        var builder = new NpgsqlConnectionStringBuilder(url.Target);
        Assert.Equal("db.example", builder.Host);
        Assert.Equal(6543, builder.Port);
        Assert.Equal("sy", builder.Username);
        Assert.Equal("p@ss:word", builder.Password);
        Assert.Equal("gateway", builder.Database);
        Assert.Equal(SslMode.Require, builder.SslMode);
        Assert.Equal(20, builder.MaxPoolSize);
        Assert.DoesNotContain("p@ss", url.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_connection_strings_are_accepted()
    {
        var url = DatabaseUrl.Parse("Host=localhost;Username=sy;Password=pw;Database=gw;Maximum Pool Size=7", "/data");
        Assert.Equal(DatabaseKind.Postgres, url.Kind);
        var builder = new NpgsqlConnectionStringBuilder(url.Target);
        Assert.Equal(("localhost", 7, "gw"), (builder.Host, builder.MaxPoolSize, builder.Database));
        Assert.Equal(20, new NpgsqlConnectionStringBuilder(DatabaseUrl.Parse("Host=h;Database=d", "/").Target).MaxPoolSize);
    }

    [Theory]
    [InlineData("mysql://root:hunter2secret@db/gw")]
    [InlineData("redis://:hunter2secret@cache:6379")]
    [InlineData("hunter2secret")]
    [InlineData("postgres://user:hunter2secret@/nohost")]
    [InlineData("postgres://user:hunter2secret@host/db?bogus_option=1")]
    public void Unknown_or_malformed_urls_are_refused_without_leaking_the_password(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => DatabaseUrl.Parse(text, "/data"));
        Assert.DoesNotContain("hunter2secret", error.Message, StringComparison.Ordinal);
    }
}
