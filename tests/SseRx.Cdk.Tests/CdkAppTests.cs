using System.Diagnostics;
using System.Text.Json.Nodes;

namespace SseRx.Cdk.Tests;

/// <summary>The app as the CDK CLI runs it: a separate process told where to write by CDK_OUTDIR and CDK_CONTEXT_JSON.</summary>
[Collection(SynthCollection.Name)]
public sealed class CdkAppTests(SynthFixture synth)
{
    [Fact]
    public void CdkJson_RunsTheCSharpApp()
    {
        var cdkJson = JsonNode.Parse(File.ReadAllText(Path.Combine(SynthFixture.RepositoryRoot, "cdk", "cdk.json")))!;
        Assert.Equal("dotnet run --project SseRx.Cdk", (string?)cdkJson["app"]);
        Assert.True(File.Exists(Path.Combine(SynthFixture.RepositoryRoot, "cdk", "SseRx.Cdk", "SseRx.Cdk.csproj")));
    }

    [Theory]
    [InlineData("lambda", 0)]
    [InlineData("lambda-managed", 1)]
    public async Task Program_SynthesizesACloudAssembly_WithoutCredentialsOrDocker(string target, int capacityProviders)
    {
        var outdir = Path.Combine(Path.GetTempPath(), "sserx-cdk-app-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "SseRx.Cdk.dll") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE" })
        {
            start.Environment.Remove(name);
        }

        start.Environment["CDK_DOCKER"] = Path.Combine(outdir, "no-docker-here");
        start.Environment["CDK_OUTDIR"] = outdir;
        start.Environment["CDK_CONTEXT_JSON"] = new JsonObject { ["lambdaAsset"] = synth.LambdaAsset, ["target"] = target }.ToJsonString();
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
            await process.WaitForExitAsync(timeout.Token);
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {await stderr}{await stdout}");

            var template = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(outdir, "SseRx.template.json")))!;
            var types = template["Resources"]!.AsObject().Select(r => (string?)r.Value!["Type"]).ToList();
            Assert.Equal(2, types.Count(t => t == "AWS::Lambda::Function"));
            Assert.Equal(2, types.Count(t => t == "AWS::Lambda::Url"));
            Assert.Equal(capacityProviders, types.Count(t => t == "AWS::Lambda::CapacityProvider"));
            Assert.True(File.Exists(Path.Combine(outdir, "manifest.json")));
        }
        finally
        {
            if (Directory.Exists(outdir))
            {
                Directory.Delete(outdir, recursive: true);
            }
        }
    }
}
