namespace SseRx.Cdk.Tests;

/// <summary>Context parsing and validation; no jsii, so no synth.</summary>
public sealed class DeploymentSettingsTests
{
    private static DeploymentSettings Read(params (string Key, string Value)[] context)
    {
        var map = context.ToDictionary(c => c.Key, c => (object)c.Value);
        return DeploymentSettings.FromContext(key => map.GetValueOrDefault(key));
    }

    [Fact]
    public void Defaults_AreTheDocumentedOnes()
    {
        var s = Read();
        Assert.Equal(DeploymentTarget.Lambda, s.Target);
        Assert.Equal("SseRx", s.StackName);
        Assert.Equal(TimeSpan.FromMinutes(15), s.StreamTimeout);
        Assert.Equal(TimeSpan.FromMinutes(14), s.StreamLifetime);
        Assert.Equal(TimeSpan.FromSeconds(5), s.PollInterval);
        Assert.Equal(TimeSpan.FromSeconds(120), s.AlbIdleTimeout);
        Assert.Equal(27, s.LambdaWebAdapterLayerVersion);
        Assert.True(s.AdotEnabled);
        Assert.Null(s.DashboardOrigin);
        Assert.Equal(30, s.LogRetentionDays);
    }

    [Fact]
    public void ContextValues_Override_AndTheOriginLosesItsTrailingSlash()
    {
        var s = Read(("target", "fargate"), ("streamLifetime", "00:10:00"), ("dashboardOrigin", "https://x.lambda-url.eu-west-1.on.aws/"),
            ("adotLayerArn", "none"), ("maxConnections", "5000"));
        Assert.Equal(DeploymentTarget.Fargate, s.Target);
        Assert.Equal(TimeSpan.FromMinutes(10), s.StreamLifetime);
        Assert.Equal("https://x.lambda-url.eu-west-1.on.aws", s.DashboardOrigin);
        Assert.False(s.AdotEnabled);
        Assert.Null(s.AdotLayerArn);
        Assert.Equal(5000, s.FargateMaxConnections);
    }

    [Theory]
    [InlineData("00:15:00")]
    [InlineData("00:16:00")]
    public void StreamLifetime_NotBelowTheTimeout_FailsSynth(string lifetime)
    {
        var error = Assert.Throws<ArgumentException>(() => Read(("streamLifetime", lifetime)));
        Assert.Contains("streamLifetime", error.Message);
    }

    [Fact]
    public void StreamTimeout_AboveLambdasLimit_FailsSynth()
    {
        var error = Assert.Throws<ArgumentException>(() => Read(("streamTimeout", "00:20:00"), ("streamLifetime", "00:19:00")));
        Assert.Contains("streamTimeout", error.Message);
    }

    [Fact]
    public void ShorterTimeout_NeedsAShorterLifetime()
    {
        Assert.Throws<ArgumentException>(() => Read(("streamTimeout", "00:05:00")));
        var s = Read(("streamTimeout", "00:05:00"), ("streamLifetime", "00:04:30"));
        Assert.Equal(TimeSpan.FromMinutes(5), s.StreamTimeout);
    }

    [Theory]
    [InlineData("00:00:30")]
    [InlineData("00:00:10")]
    public void AlbIdleTimeout_NotAboveTheHeartbeat_FailsSynth(string idle)
    {
        var error = Assert.Throws<ArgumentException>(() => Read(("albIdleTimeout", idle)));
        Assert.Contains("albIdleTimeout", error.Message);
    }

    [Theory]
    [InlineData("target", "ec2")]
    [InlineData("pollInterval", "five seconds")]
    [InlineData("streamMemoryMb", "lots")]
    [InlineData("logRetentionDays", "31")]
    [InlineData("dashboardOrigin", "https://dash.example.com/app")]
    [InlineData("dashboardOrigin", "dash.example.com")]
    [InlineData("pollInterval", "00:00:00")]
    [InlineData("jwtAuthority", "http://idp.example.com")]
    public void InvalidValues_FailSynth_NamingTheKey(string key, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => Read((key, value)));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void FromContext_RejectsANullLookup()
    {
        Assert.Throws<ArgumentNullException>(() => DeploymentSettings.FromContext(null!));
    }
}
