using System.Data;

namespace Switchyard.Storage.Sql;

/// <summary>
/// One named statement parameter with its type, given even when the value is null: PostgreSQL cannot infer the type of a
/// bare NULL (<c>@keyId IS NULL OR key_id = @keyId</c> would fail), and SQLite stores booleans as 0/1 either way.
/// </summary>
internal readonly record struct SqlArg(string Name, object? Value, DbType Type)
{
    public static SqlArg Text(string name, string? value) => new(name, value, DbType.String);

    public static SqlArg Int64(string name, long? value) => new(name, value, DbType.Int64);

    public static SqlArg Flag(string name, bool value) => new(name, value, DbType.Boolean);
}
