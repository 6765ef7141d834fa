using SseRx.Host.Hosting;

namespace SseRx.Host.Tests.Hosting;

/// <summary>
/// The content root is the application's directory unless the command line or the environment names one (the native
/// binary started from another working directory is tested in SseRx.Aot.Tests).
/// </summary>
public sealed class ContentRootTests
{
    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void Other_arguments_leave_the_content_root_to_this_class()
    {
        Assert.False(ContentRoot.IsExplicit(["--urls", "http://127.0.0.1:0", "--environment=Production"], NoEnvironment));
    }

    [Theory]
    [InlineData("--contentRoot", "/srv/app")]
    [InlineData("--contentroot=/srv/app", null)]
    [InlineData("/contentRoot", "/srv/app")]
    [InlineData("contentRoot=/srv/app", null)]
    public void A_command_line_content_root_is_left_to_the_host(string first, string? second)
    {
        string[] args = second is null ? [first] : [first, second];

        Assert.True(ContentRoot.IsExplicit(args, NoEnvironment));
        Assert.Null(ContentRoot.BuilderOptions(args).ContentRootPath);
    }

    [Theory]
    [InlineData("ASPNETCORE_CONTENTROOT")]
    [InlineData("DOTNET_CONTENTROOT")]
    public void An_environment_content_root_is_left_to_the_host(string variable)
    {
        Assert.True(ContentRoot.IsExplicit([], name => name == variable ? "/srv/app" : null));
    }
}
