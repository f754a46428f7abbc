using System.Globalization;
using Switchyard.Text;

namespace Switchyard.Tests.Core.Text;

/// <summary>The header numbers read exactly as the format strings they replace wrote them.</summary>
public sealed class FixedPointTests
{
    [Theory]
    [InlineData(0, 6, "0")]
    [InlineData(113, 6, "0.000113")]
    [InlineData(1_000_000, 6, "1")]
    [InlineData(1_250_000, 6, "1.25")]
    [InlineData(-61, 6, "-0.000061")]
    [InlineData(1314, 3, "1.314")]
    [InlineData(50, 3, "0.05")]
    [InlineData(7, 0, "7")]
    [InlineData(long.MaxValue, 6, "9223372036854.775807")]
    [InlineData(long.MinValue, 6, "-9223372036854.775808")]
    public void WritesTheDecimalWithoutTrailingZeros(long value, int scale, string expected) =>
        Assert.Equal(expected, FixedPoint.Format(value, scale));

    [Fact]
    public void AgreesWithTheCustomFormatStringsItReplaces()
    {
        var random = new Random(20261207);
        for (var i = 0; i < 10_000; i++)
        {
            var value = random.NextInt64(-5_000_000_000, 5_000_000_000) / (i % 7 == 0 ? 1000 : 1);
            Assert.Equal((value / 1_000_000m).ToString("0.######", CultureInfo.InvariantCulture), FixedPoint.Format(value, 6));
            Assert.Equal((value / 1_000m).ToString("0.###", CultureInfo.InvariantCulture), FixedPoint.Format(value, 3));
        }
    }
}
