using Switchyard.Auth;

namespace Switchyard.Tests.Auth;

/// <summary>The master key is accepted exactly: not a prefix of it, not an extension, not a near miss.</summary>
public sealed class MasterKeyAuthenticatorTests
{
    private const string Master = "sk-master-7f3a9c";

    [Theory]
    [InlineData("sk-master-7f3a9c", true)]
    [InlineData("sk-master-7f3a9", false)]             // a prefix
    [InlineData("sk-master-7f3a9csk-master-7f3a9c", false)] // the key twice: equal where the comparison wraps
    [InlineData("sk-master-7f3a9c ", false)]           // one more character
    [InlineData("sk-master-7f3a9d", false)]            // the last character
    [InlineData("tk-master-7f3a9c", false)]            // the first character
    [InlineData("SK-MASTER-7F3A9C", false)]
    [InlineData("s", false)]
    public async Task OnlyTheExactMasterKeyIsTheMaster(string presented, bool accepted)
    {
        var caller = await new MasterKeyAuthenticator(Master).AuthenticateAsync(presented, CancellationToken.None);
        Assert.Equal(accepted, caller is not null);
        if (accepted) Assert.Same(Switchyard.Pipeline.Caller.Master, caller);
    }

    [Fact]
    public async Task NoKeyIsRefusedAndWithoutAMasterKeyEveryoneIsAnonymous()
    {
        Assert.Null(await new MasterKeyAuthenticator(Master).AuthenticateAsync(null, CancellationToken.None));
        Assert.Null(await new MasterKeyAuthenticator(Master).AuthenticateAsync("", CancellationToken.None));
        var open = new MasterKeyAuthenticator(null);
        Assert.True(open.IsOpen);
        Assert.Same(Switchyard.Pipeline.Caller.Anonymous, await open.AuthenticateAsync("anything", CancellationToken.None));

        var empty = new MasterKeyAuthenticator("");
        Assert.False(empty.IsOpen);
        Assert.Null(await empty.AuthenticateAsync("anything", CancellationToken.None));
    }

    [Theory]
    [InlineData("a", "a", true)]
    [InlineData("a", "aa", false)]
    [InlineData("aa", "a", false)]
    [InlineData("abcabc", "abc", false)]
    [InlineData("abc", "abd", false)]
    [InlineData("", "abc", false)]
    public void TheComparisonMatchesOrdinalEquality(string presented, string secret, bool equal) =>
        Assert.Equal(equal, MasterKeyAuthenticator.EqualsInFixedTime(presented, secret));
}
