using Switchyard.Budgets;

namespace Switchyard.Tests.Budgets;

public sealed class BudgetPeriodTests
{
    private static long At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds();
    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("1d", "2026-11-25T13:45:00Z", "2026-11-25T00:00:00Z", "2026-11-26T00:00:00Z")]
    [InlineData("12h", "2026-11-25T13:45:00Z", "2026-11-25T12:00:00Z", "2026-11-26T00:00:00Z")]
    [InlineData("1w", "2026-11-25T13:45:00Z", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z")] // a Wednesday: the week began on Monday
    [InlineData("1mo", "2026-11-25T13:45:00Z", "2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")]
    [InlineData("3mo", "2026-11-25T13:45:00Z", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("1mo", "2026-12-31T23:59:59Z", "2026-12-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("1y", "2026-11-25T13:45:00Z", "2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z")]
    public void WindowsAreCalendarAlignedInUtc(string text, string now, string start, string next)
    {
        Assert.True(BudgetPeriod.TryParse(text, out var period));
        Assert.Equal(start, Iso(period.WindowStart(At(now))));
        Assert.Equal(next, Iso(period.NextWindowStart(At(now))));
        Assert.Equal(text, period.ToString());
    }

    [Fact]
    public void NDayWindowsAgreeAcrossInstancesBecauseTheyCountFromTheEpoch()
    {
        Assert.True(BudgetPeriod.TryParse("7d", out var week));
        var start = week.WindowStart(At("2026-11-25T13:45:00Z"));
        Assert.Equal(0, start % (7 * 86_400_000L));
        Assert.Equal(start, week.WindowStart(start));
        Assert.Equal(start, week.WindowStart(week.NextWindowStart(start) - 1));
    }

    [Theory]
    [InlineData("")]
    [InlineData("d")]
    [InlineData("0d")]
    [InlineData("1 day")]
    [InlineData("30s")]
    [InlineData("-1d")]
    [InlineData("1001d")]
    public void NonsenseIsRefused(string text) => Assert.False(BudgetPeriod.TryParse(text, out _));
}
