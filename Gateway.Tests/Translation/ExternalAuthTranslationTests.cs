using Gateway.Actors.Translation;
using Xunit;

namespace Gateway.Tests.Translation;

/// <summary>HTTPAuthConfig.Path sanitizing (ExternalAuthTranslation.SanitizePath): what prefix the HTTP check gets.</summary>
public class ExternalAuthTranslationTests
{
    [Theory]
    [InlineData("/check", "/check")]
    [InlineData("/check/", "/check")]
    [InlineData("check/v1", "/check/v1")]
    [InlineData("/", "")]
    [InlineData("/a%20b/c", "/a%20b/c")]
    public void SanitizePath_Accepted_BecomesALeadingSlashPrefixWithoutTrailingSlash(string path, string prefix)
    {
        Assert.Equal(prefix, ExternalAuthTranslation.SanitizePath(path, out var error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("/check/../admin")]
    [InlineData("/./check")]
    [InlineData("/check/%2E%2e/admin")]
    [InlineData("/check?x=1")]
    [InlineData("/check#frag")]
    [InlineData("/check\\admin")]
    public void SanitizePath_DotSegmentsQueryFragmentOrBackslash_RefusedWithAReason(string path)
    {
        Assert.Equal("", ExternalAuthTranslation.SanitizePath(path, out var error));
        Assert.Contains(path, error);
    }
}
