using Amazon.CDK;

namespace SseRx.Cdk;

/// <summary>Builds the app's one stack from CDK context; shared by <c>Program</c> and the tests.</summary>
public static class SseRxApp
{
    /// <summary>Reads <see cref="DeploymentSettings"/> from <paramref name="app"/>'s context and adds the stack.</summary>
    /// <remarks>
    /// The stack is environment-agnostic unless CDK_DEFAULT_ACCOUNT/REGION are set (as <c>cdk deploy</c>
    /// does with credentials), so <c>cdk synth</c> needs no AWS credentials.
    /// </remarks>
    public static SseRxStack Build(App app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = DeploymentSettings.FromContext(key => app.Node.TryGetContext(key));
        return new SseRxStack(app, settings.StackName, settings, new StackProps
        {
            Description = $"SseRx live SSE dashboard ({settings.Target.ContextName()} target)",
        });
    }
}
