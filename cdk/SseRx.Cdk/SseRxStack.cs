using Amazon.CDK;
using Constructs;

namespace SseRx.Cdk;

/// <summary>
/// The whole deployment in one stack: the tables, then the compute of <see cref="DeploymentSettings.Target"/>.
/// </summary>
/// <remarks>
/// Every target keeps the tables under the same construct path, so switching target on a deployed stack
/// replaces the compute and keeps the data.
/// </remarks>
public sealed class SseRxStack : Stack
{
    /// <summary>Creates the stack.</summary>
    public SseRxStack(Construct scope, string id, DeploymentSettings settings, IStackProps? props = null) : base(scope, id, props)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
        Tables = new SseRxTables(this, "Tables");
        if (settings.Target.UsesLambda())
        {
            Lambda = new LambdaDeployment(this, "Lambda", settings, Tables);
        }
        else
        {
            Fargate = new FargateDeployment(this, "Fargate", settings, Tables);
        }
    }

    /// <summary>The settings it was built from.</summary>
    public DeploymentSettings Settings { get; }

    /// <summary>The DynamoDB tables.</summary>
    public SseRxTables Tables { get; }

    /// <summary>The Lambda compute, when the target is lambda or lambda-managed.</summary>
    public LambdaDeployment? Lambda { get; }

    /// <summary>The Fargate compute, when the target is Fargate.</summary>
    public FargateDeployment? Fargate { get; }
}
