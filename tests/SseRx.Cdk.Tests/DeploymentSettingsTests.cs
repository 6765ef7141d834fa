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
    [InlineData("target", "lambda_managed")]
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
    public void ManagedInstancesDefaults_AreTheDocumentedOnes()
    {
        var s = Read(("target", "lambda-managed"));
        Assert.Equal(DeploymentTarget.LambdaManaged, s.Target);
        Assert.Equal(4096, s.ManagedMemoryMb);
        Assert.Equal(2, s.ManagedMemoryGiBPerVCpu);
        Assert.Equal(2, s.ManagedVCpusPerEnvironment);
        Assert.Equal(100, s.ManagedConcurrency);
        Assert.Equal(3, s.ManagedMinEnvironments);
        Assert.Equal(20, s.ManagedMaxEnvironments);
        Assert.Equal(64, s.ManagedMaxVCpu);
        Assert.Empty(s.ManagedInstanceTypes);
        Assert.Null(s.ManagedCpuTarget);
        Assert.Equal(1, s.ManagedNatGateways);
    }

    [Theory]
    [InlineData(DeploymentTarget.Lambda, "lambda")]
    [InlineData(DeploymentTarget.Fargate, "fargate")]
    [InlineData(DeploymentTarget.LambdaManaged, "lambda-managed")]
    public void EachTarget_ReadsBackFromItsContextName(DeploymentTarget target, string name)
    {
        Assert.Equal(name, target.ContextName());
        Assert.Equal(target, Read(("target", name)).Target);
        Assert.Equal(target != DeploymentTarget.Fargate, target.UsesLambda());
    }

    [Fact]
    public void ManagedInstancesValues_Override_AndInstanceTypesAreTrimmed()
    {
        var s = Read(("target", "lambda-managed"), ("managedMemoryMb", "8192"), ("managedMemoryPerVCpu", "4"), ("managedConcurrency", "128"),
            ("managedInstanceTypes", " c7i.xlarge ,m7i.large,"), ("managedCpuTarget", "42.5"), ("managedNatGateways", "2"));
        Assert.Equal(2, s.ManagedVCpusPerEnvironment);
        Assert.Equal(128, s.ManagedConcurrency);
        Assert.Equal(["c7i.xlarge", "m7i.large"], s.ManagedInstanceTypes);
        Assert.Equal(42.5, s.ManagedCpuTarget);
        Assert.Equal(2, s.ManagedNatGateways);
    }

    [Theory]
    // 4096 MB at 2 GiB per vCPU is 2 vCPUs: at most 128 streams per environment.
    [InlineData("managedConcurrency", "128", "129", "64 per vCPU")]
    // 20 environments of 2 vCPUs need 40 vCPUs of capacity.
    [InlineData("managedMaxVCpu", "40", "39", "managedMaxEnvironments")]
    public void ManagedLimits_AcceptTheBoundary_AndRejectOnePast(string key, string atLimit, string pastLimit, string reason)
    {
        var accepted = Read(("target", "lambda-managed"), (key, atLimit));
        Assert.Equal(int.Parse(atLimit, System.Globalization.CultureInfo.InvariantCulture),
            key == "managedConcurrency" ? accepted.ManagedConcurrency : accepted.ManagedMaxVCpu);
        var error = Assert.Throws<ArgumentException>(() => Read(("target", "lambda-managed"), (key, pastLimit)));
        Assert.Contains(key, error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void ManagedMemory_MustBeAWholeNumberOfVCpus()
    {
        Assert.Equal(3, Read(("managedMemoryMb", "6144")).ManagedVCpusPerEnvironment);
        var error = Assert.Throws<ArgumentException>(() => Read(("managedMemoryMb", "5000")));
        Assert.Contains("whole number of vCPUs", error.Message);
    }

    [Fact]
    public void LambdaManaged_NeedsAnAdapterThatForwardsConcurrentInvocations()
    {
        Assert.Equal(25, Read(("lwaLayerVersion", "25")).LambdaWebAdapterLayerVersion);
        var error = Assert.Throws<ArgumentException>(() => Read(("target", "lambda-managed"), ("lwaLayerVersion", "25")));
        Assert.Contains("lwaLayerVersion", error.Message);
        Assert.Equal(26, Read(("target", "lambda-managed"), ("lwaLayerVersion", "26")).LambdaWebAdapterLayerVersion);
    }

    [Fact]
    public void LambdaManaged_RejectsReservedConcurrency_PointingAtItsOwnCap()
    {
        var error = Assert.Throws<ArgumentException>(() => Read(("target", "lambda-managed"), ("streamReservedConcurrency", "50")));
        Assert.Contains("managedMaxEnvironments", error.Message);
    }

    [Theory]
    [InlineData("managedMemoryMb", "1024")]
    [InlineData("managedMemoryMb", "65536")]
    [InlineData("managedMemoryPerVCpu", "1")]
    [InlineData("managedMemoryPerVCpu", "9")]
    [InlineData("managedConcurrency", "0")]
    [InlineData("managedConcurrency", "1601")]
    [InlineData("managedMinEnvironments", "0")]
    [InlineData("managedMaxEnvironments", "2")]
    [InlineData("managedMaxVCpu", "1")]
    [InlineData("managedInstanceTypes", "c7i.xlarge;rm -rf")]
    [InlineData("managedCpuTarget", "0")]
    [InlineData("managedCpuTarget", "101")]
    [InlineData("managedCpuTarget", "high")]
    [InlineData("managedNatGateways", "0")]
    [InlineData("managedNatGateways", "3")]
    public void InvalidManagedInstancesValues_FailSynth_NamingTheKey(string key, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => Read(("target", "lambda-managed"), (key, value)));
        Assert.Contains(key, error.Message);
    }

    [Fact]
    public void FromContext_RejectsANullLookup()
    {
        Assert.Throws<ArgumentNullException>(() => DeploymentSettings.FromContext(null!));
    }
}
