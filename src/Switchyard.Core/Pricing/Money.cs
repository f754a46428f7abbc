
namespace Switchyard.Pricing;

/// <summary>Money is integer micro-dollars everywhere inside; these are the only conversions to and from dollars.</summary>
public static class Money
{
    private const decimal MicrosPerDollar = 1_000_000m;

    public static decimal ToDollars(long micros) => micros / MicrosPerDollar;

    /// <summary>Dollars with every significant digit and no trailing zeros (<c>0.000113</c>, <c>1</c>), invariant culture.</summary>
    public static string Format(long micros) => Text.FixedPoint.Format(micros, 6);

    /// <summary>Dollars as exact micro-dollars; null when negative, finer than a micro-dollar, or beyond any budget.</summary>
    public static long? FromDollars(decimal dollars)
    {
        var micros = dollars * MicrosPerDollar;
        return dollars < 0 || micros != decimal.Truncate(micros) || micros > long.MaxValue / 2 ? null : (long)micros;
    }
}
