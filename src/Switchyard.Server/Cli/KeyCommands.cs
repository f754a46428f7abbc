using System.CommandLine;
using System.Text.Json;
using Switchyard.Budgets;
using Switchyard.Keys;
using Switchyard.Persistence;
using Switchyard.Protocol;
using Switchyard.Server.Admin;
using Switchyard.Storage;

namespace Switchyard.Server.Cli;

/// <summary>
/// <c>switchyard keys create|list|revoke</c> and <c>switchyard migrate</c>: for operators without the UI. They open the
/// store the config names (<c>server.database_url</c> or <c>server.data_dir</c>; the embedded default's <c>./data</c>
/// without <c>--config</c>), migrate it, and act as the master key.
/// </summary>
internal static class KeyCommands
{
    private static Option<FileInfo?> ConfigOption() => new("--config", "-c")
    {
        Description = "Config file whose server.database_url or server.data_dir names the database. Without it: the embedded default (./data).",
    };

    public static Command Migrate()
    {
        var config = ConfigOption();
        var migrate = new Command("migrate", "Bring the database up to date (the gateway also does this at start-up) and print the versions applied.") { config };
        migrate.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(config), (_, _) => Task.CompletedTask, cancellationToken, reportMigrations: true));
        return migrate;
    }

    public static Command Keys()
    {
        var keys = new Command("keys", "Create, list and revoke virtual keys.");
        keys.Subcommands.Add(Create());
        keys.Subcommands.Add(List());
        keys.Subcommands.Add(Revoke());
        return keys;
    }

    private static Command Create()
    {
        var config = ConfigOption();
        var alias = new Option<string?>("--alias") { Description = "A name for the key." };
        var team = new Option<string?>("--team") { Description = "The team id the key belongs to." };
        var models = new Option<string?>("--models") { Description = "Comma-separated models or groups the key may call (default: every model)." };
        var budget = new Option<decimal?>("--budget") { Description = "Maximum spend in US dollars." };
        var period = new Option<string?>("--period") { Description = $"When the budget resets: {BudgetPeriod.Forms}. Default: never." };
        var rpm = new Option<int?>("--rpm") { Description = "Requests per minute." };
        var tpm = new Option<long?>("--tpm") { Description = "Tokens per minute." };
        var parallel = new Option<int?>("--max-parallel") { Description = "Requests in flight at once." };
        var expires = new Option<string?>("--expires") { Description = "Lifetime (30d, 12h, 2w) or an ISO 8601 date-time. Default: never." };
        var role = new Option<string?>("--role") { Description = "user (default) or admin (may use the admin API like the master key)." };
        var create = new Command("create", "Create a key and print its secret, shown this once, and its id.")
        {
            config, alias, team, models, budget, period, rpm, tpm, parallel, expires, role,
        };
        create.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(config), async (store, output) =>
        {
            var service = new KeyService(store, TimeProvider.System);
            var now = service.Now;
            var input = new KeyInput
            {
                Alias = Given(parse.GetValue(alias)),
                TeamId = Given(parse.GetValue(team)),
                Role = Given(parse.GetValue(role)),
                Models = parse.GetValue(models) is { } list
                    ? new Field<IReadOnlyList<string>>(true, [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()])
                    : default,
                MaxBudgetMicros = parse.GetValue(budget) is { } dollars ? new Field<long?>(true, Micros(dollars)) : default,
                BudgetPeriod = parse.GetValue(period) is { } text ? new Field<string?>(true, Period(text)) : default,
                Rpm = Count(parse.GetValue(rpm), "--rpm"),
                Tpm = Count(parse.GetValue(tpm), "--tpm"),
                MaxParallel = Count(parse.GetValue(parallel), "--max-parallel"),
                ExpiresAt = parse.GetValue(expires) is { } when ? new Field<long?>(true, Expiry(when, now)) : default,
                WireNames = new Dictionary<string, string>
                {
                    ["alias"] = "--alias", ["team_id"] = "--team", ["role"] = "--role", ["models"] = "--models", ["max_budget_usd"] = "--budget",
                    ["budget_period"] = "--period", ["rpm"] = "--rpm", ["tpm"] = "--tpm", ["max_parallel"] = "--max-parallel", ["expires_at"] = "--expires",
                },
            };
            var (key, secret) = await service.CreateAsync(AdminCaller.Master, input, cancellationToken);
            output.WriteLine($"id:  {key.Id}");
            output.WriteLine($"key: {secret}");
            output.WriteLine("The key is shown this once: store it now.");
        }, cancellationToken));
        return create;
    }

    private static Command List()
    {
        var config = ConfigOption();
        var team = new Option<string?>("--team") { Description = "Only the keys of this team." };
        var json = new Option<bool>("--json") { Description = "Print JSON (the admin API's key objects) instead of a table." };
        var revoked = new Option<bool>("--include-revoked") { Description = "Include revoked keys." };
        var list = new Command("list", "List keys (never their secrets).") { config, team, json, revoked };
        list.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(config), async (store, output) =>
        {
            var service = new KeyService(store, TimeProvider.System);
            var keys = new List<VirtualKey>();
            for (var offset = 0; ; offset += 1000)
            {
                var (page, more) = await service.ListAsync(AdminCaller.Master, parse.GetValue(team), parse.GetValue(revoked), 1000, offset, cancellationToken);
                keys.AddRange(page);
                if (!more) break;
            }
            if (parse.GetValue(json))
            {
                var spend = new long[keys.Count];
                for (var i = 0; i < keys.Count; i++) spend[i] = await service.SpendAsync(keys[i].Id, null, keys[i].Limits, cancellationToken);
                using var buffer = new MemoryStream();
                using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
                {
                    writer.WriteStartArray();
                    for (var i = 0; i < keys.Count; i++) AdminJson.WriteKey(writer, keys[i], spend[i]);
                    writer.WriteEndArray();
                }
                output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
                return;
            }
            if (keys.Count == 0)
            {
                output.WriteLine("No keys.");
                return;
            }
            var rows = keys.Select(k => new[]
            {
                k.Id, k.KeyHint, k.Alias ?? "-", k.TeamId ?? "-", k.Role, k.Models.Count == 0 ? "*" : string.Join(",", k.Models),
                k.Limits.MaxBudgetMicros is { } b ? "$" + AdminJson.Dollars(b) + (k.Limits.BudgetPeriod is { } p ? "/" + p : "") : "-",
                AdminTime.Format(k.ExpiresAt) ?? "-",
                k.RevokedAt is not null ? "revoked" : k.Blocked ? "blocked" : "active",
            }).Prepend(["ID", "HINT", "ALIAS", "TEAM", "ROLE", "MODELS", "BUDGET", "EXPIRES", "STATE"]).ToList();
            var widths = Enumerable.Range(0, rows[0].Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
            foreach (var row in rows) output.WriteLine(string.Join("  ", row.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
        }, cancellationToken));
        return list;
    }

    private static Command Revoke()
    {
        var config = ConfigOption();
        var id = new Argument<string>("ID") { Description = "The key's id (key_...)." };
        var revoke = new Command("revoke", "Revoke a key: it stops working (within the key cache's time-to-live on running gateways).") { id, config };
        revoke.SetAction((parse, cancellationToken) => RunAsync(parse, parse.GetValue(config), async (store, output) =>
        {
            var key = await new KeyService(store, TimeProvider.System).RevokeAsync(AdminCaller.Master, parse.GetValue(id)!, cancellationToken);
            output.WriteLine($"revoked {key.Id} at {AdminTime.Format(key.RevokedAt)}");
        }, cancellationToken));
        return revoke;
    }

    private static async Task<int> RunAsync(ParseResult parse, FileInfo? configFile, Func<IGatewayStore, TextWriter, Task> action,
        CancellationToken cancellationToken, bool reportMigrations = false)
    {
        var output = parse.InvocationConfiguration.Output;
        var errors = parse.InvocationConfiguration.Error;
        var options = ConfigResolver.Resolve(configFile, errors);
        if (options is null) return 1;
        IGatewayStore store;
        try
        {
            store = GatewayStore.Open(options.Server.DatabaseUrl, options.Server.DataDirectory);
        }
        catch (ArgumentException ex)
        {
            errors.WriteLine($"error: {ex.Message}");
            return 1;
        }
        await using (store)
        {
            try
            {
                var applied = await store.MigrateAsync(cancellationToken);
                if (reportMigrations)
                {
                    output.WriteLine(applied.Count == 0
                        ? $"The {store.Kind} database is up to date; no migrations to apply."
                        : $"Applied migrations to the {store.Kind} database: {string.Join(", ", applied)}.");
                }
                await action(store, output);
                return 0;
            }
            catch (GatewayException ex)
            {
                errors.WriteLine($"error: {ex.Error.Message}");
                return 1;
            }
        }
    }

    private static Field<string?> Given(string? value) => value is null ? default : new Field<string?>(true, value);

    private static long Micros(decimal dollars)
    {
        return Switchyard.Pricing.Money.FromDollars(dollars)
            ?? throw AdminErrors.BadRequest("--budget must be a non-negative amount of dollars with at most 6 decimal places.", "--budget");
    }

    private static string Period(string text) => BudgetPeriod.TryParse(text, out var period)
        ? period.ToString()
        : throw AdminErrors.BadRequest($"--period is not a budget period; use {BudgetPeriod.Forms}.", "--period");

    private static Field<long?> Count(long? value, string name) => value switch
    {
        null => default,
        < 0 => throw AdminErrors.BadRequest($"{name} must not be negative.", name),
        _ => new Field<long?>(true, value),
    };

    private static long Expiry(string text, long now)
    {
        var trimmed = text.Trim();
        var at = trimmed.Length > 0 && char.IsAsciiDigit(trimmed[^1]) || trimmed.EndsWith('Z') ? AdminTime.Parse(trimmed, "--expires") : now + AdminTime.ParseDuration(trimmed, "--expires");
        if (at <= now) throw AdminErrors.BadRequest("--expires must be in the future.", "--expires");
        return at;
    }
}
