using System.Globalization;

namespace Switchyard.Budgets;

/// <summary>
/// A budget's reset period, calendar-aligned in UTC so that every instance agrees on the window without coordination:
/// <c>Nh</c> and <c>Nd</c> windows start at multiples of N hours/days since the unix epoch (so <c>1d</c> is each UTC day),
/// <c>Nw</c> weeks start on Monday, <c>Nmo</c> months start on the first (<c>1mo</c> each month, <c>3mo</c> quarters), and
/// <c>Ny</c> years on January 1st.
/// </summary>
public readonly record struct BudgetPeriod(int Count, BudgetPeriod.Unit Kind)
{
    public enum Unit { Hour, Day, Week, Month, Year }

    /// <summary>Parses <c>30s</c>-free forms: <c>12h</c>, <c>1d</c>, <c>7d</c>, <c>30d</c>, <c>2w</c>, <c>1mo</c>, <c>1y</c>.</summary>
    public static bool TryParse(string? text, out BudgetPeriod period)
    {
        period = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim().ToLowerInvariant();
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        if (digits == 0 || !int.TryParse(text.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count is < 1 or > 1000) return false;
        Unit? unit = text[digits..] switch
        {
            "h" => Unit.Hour,
            "d" => Unit.Day,
            "w" => Unit.Week,
            "mo" => Unit.Month,
            "y" => Unit.Year,
            _ => null,
        };
        if (unit is null) return false;
        period = new BudgetPeriod(count, unit.Value);
        return true;
    }

    public const string Forms = "a count and a unit: 12h, 1d, 7d, 30d, 2w, 1mo, 3mo, 1y";

    /// <summary>Start (unix ms, inclusive) of the window that contains <paramref name="nowMs"/>.</summary>
    public long WindowStart(long nowMs)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(nowMs);
        switch (Kind)
        {
            case Unit.Hour:
            case Unit.Day:
                var length = (Kind == Unit.Hour ? 3_600_000L : 86_400_000L) * Count;
                return nowMs - (nowMs % length);
            case Unit.Week:
                // 1970-01-05 was a Monday: weeks are counted from there.
                const long Monday = 4 * 86_400_000L;
                var weeks = 7 * 86_400_000L * Count;
                return nowMs - ((nowMs - Monday) % weeks + weeks) % weeks;
            case Unit.Month:
                var months = (now.Year * 12 + now.Month - 1) / Count * Count;
                return new DateTimeOffset(months / 12, months % 12 + 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
            default:
                var year = (now.Year - 1) / Count * Count + 1;
                return new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        }
    }

    /// <summary>Start of the next window: when the budget resets.</summary>
    public long NextWindowStart(long nowMs)
    {
        var start = DateTimeOffset.FromUnixTimeMilliseconds(WindowStart(nowMs));
        var next = Kind switch
        {
            Unit.Hour => start.AddHours(Count),
            Unit.Day => start.AddDays(Count),
            Unit.Week => start.AddDays(7 * Count),
            Unit.Month => start.AddMonths(Count),
            _ => start.AddYears(Count),
        };
        return next.ToUnixTimeMilliseconds();
    }

    public override string ToString() => Count.ToString(CultureInfo.InvariantCulture) + Kind switch
    {
        Unit.Hour => "h", Unit.Day => "d", Unit.Week => "w", Unit.Month => "mo", _ => "y",
    };
}
