using Switchyard.Budgets;
using Switchyard.Keys;
using Switchyard.Pricing;

namespace Switchyard.Configuration;

/// <summary>Reads budget and rate limits from a config section, in dollars, into micro-dollar <see cref="SpendLimits"/>.</summary>
internal static class LimitsReader
{
    public static SpendLimits Read(YamlSection section, SpendLimits current, string budget, string period, string? soft, string? rpm, string? tpm, string? parallel)
    {
        var limits = current with
        {
            MaxBudgetMicros = Micros(section.GetNumber(budget), section, budget) ?? current.MaxBudgetMicros,
            SoftBudgetMicros = soft is null ? current.SoftBudgetMicros : Micros(section.GetNumber(soft), section, soft) ?? current.SoftBudgetMicros,
            Rpm = rpm is null ? current.Rpm : section.GetInteger(rpm, minimum: 1) ?? current.Rpm,
            Tpm = tpm is null ? current.Tpm : section.GetInteger(tpm, minimum: 1) ?? current.Tpm,
            MaxParallel = parallel is null ? current.MaxParallel : section.GetInteger(parallel, minimum: 1) ?? current.MaxParallel,
        };
        if (section.GetString(period) is { } text)
        {
            if (BudgetPeriod.TryParse(text, out var parsed)) limits = limits with { BudgetPeriod = parsed.ToString() };
            else section.Context.Error(section.PathOf(period), $"expected {BudgetPeriod.Forms}, got '{text}'");
        }
        return limits;
    }

    /// <summary>A duration such as <c>30d</c> in days (LiteLLM's retention period).</summary>
    public static double? Days(YamlSection section, string key, string text)
    {
        if (BudgetPeriod.TryParse(text, out var period))
        {
            var start = DateTimeOffset.UnixEpoch.AddYears(30).ToUnixTimeMilliseconds();
            return (period.NextWindowStart(start) - period.WindowStart(start)) / 86_400_000d;
        }
        section.Context.Error(section.PathOf(key), $"expected {BudgetPeriod.Forms}, got '{text}'");
        return null;
    }

    private static long? Micros(double? dollars, YamlSection section, string key)
    {
        if (dollars is null) return null;
        if (dollars is not (>= 0 and <= 1e9) || Money.FromDollars((decimal)dollars.Value) is not { } micros)
        {
            section.Context.Error(section.PathOf(key), $"must be dollars from 0 to 1e9 with at most 6 decimal places, got {dollars}");
            return null;
        }
        return micros;
    }
}
