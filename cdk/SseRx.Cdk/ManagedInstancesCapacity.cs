using Amazon.CDK;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.IAM;
using Amazon.CDK.AWS.Lambda;
using Constructs;

namespace SseRx.Cdk;

/// <summary>
/// A Lambda Managed Instances capacity provider and what it stands on: a VPC with private subnets (NAT egress and a
/// DynamoDB gateway endpoint), a security group with no inbound rule, and the operator role Lambda assumes to run EC2
/// instances in this account.
/// </summary>
/// <remarks>
/// Amazon.CDK.Lib 2.160.0 has no construct for <c>AWS::Lambda::CapacityProvider</c> nor for the function's
/// <c>CapacityProviderConfig</c>, so both are written as raw CloudFormation: the provider as a <see cref="CfnResource"/>,
/// the function's side as property overrides (<see cref="Attach"/>). Property names follow the CloudFormation template
/// reference; cdk/README.md quotes them.
/// </remarks>
public sealed class ManagedInstancesCapacity : Construct
{
    /// <summary>The CloudFormation type of the capacity provider.</summary>
    public const string CapacityProviderType = "AWS::Lambda::CapacityProvider";

    /// <summary>The AWS managed policy with the EC2 permissions the operator role needs.</summary>
    public const string OperatorPolicyName = "AWSLambdaManagedEC2ResourceOperator";

    /// <summary>The only predefined metric a target-tracking policy of a capacity provider can follow.</summary>
    public const string CpuMetric = "LambdaCapacityProviderAverageCPUUtilization";

    /// <summary>The architecture of the capacity provider's instances: the zip asset is a linux-x64 publish.</summary>
    public const string InstanceArchitecture = "x86_64";

    /// <summary>Creates the VPC, security group, operator role and capacity provider.</summary>
    public ManagedInstancesCapacity(Construct scope, string id, DeploymentSettings settings) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);

        // The instances reach CloudWatch Logs, X-Ray and Lambda's own endpoints through the NAT; polls and resume
        // reads go to DynamoDB through the free gateway endpoint instead, so they neither pay NAT processing nor
        // depend on it.
        Vpc = new Vpc(this, "Vpc", new VpcProps
        {
            MaxAzs = 2,
            NatGateways = settings.ManagedNatGateways,
            SubnetConfiguration =
            [
                new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 },
                new SubnetConfiguration { Name = "instances", SubnetType = SubnetType.PRIVATE_WITH_EGRESS, CidrMask = 22 },
            ],
        });
        Vpc.AddGatewayEndpoint("DynamoDb", new GatewayVpcEndpointOptions
        {
            Service = GatewayVpcEndpointAwsService.DYNAMODB,
            Subnets = [new SubnetSelection { SubnetType = SubnetType.PRIVATE_WITH_EGRESS }],
        });

        // Invocations arrive through Lambda's own agent on each instance, not as inbound connections, so nothing
        // may connect in; everything the host calls is outbound.
        SecurityGroup = new SecurityGroup(this, "Instances", new SecurityGroupProps
        {
            Vpc = Vpc,
            Description = "SseRx Lambda Managed Instances: no inbound, outbound to AWS endpoints",
            AllowAllOutbound = true,
        });

        OperatorRole = new Role(this, "OperatorRole", new RoleProps
        {
            Description = "Assumed by Lambda to run and retire the capacity provider's EC2 instances",
            AssumedBy = new ServicePrincipal("lambda.amazonaws.com"),
            ManagedPolicies = [ManagedPolicy.FromAwsManagedPolicyName(OperatorPolicyName)],
        });

        var instanceRequirements = new Dictionary<string, object> { ["Architectures"] = new[] { InstanceArchitecture } };
        if (settings.ManagedInstanceTypes.Count > 0)
        {
            instanceRequirements["AllowedInstanceTypes"] = settings.ManagedInstanceTypes.ToArray();
        }

        Resource = new CfnResource(this, "Resource", new CfnResourceProps
        {
            Type = CapacityProviderType,
            Properties = new Dictionary<string, object>
            {
                ["VpcConfig"] = new Dictionary<string, object>
                {
                    ["SubnetIds"] = Vpc.PrivateSubnets.Select(s => s.SubnetId).ToArray(),
                    ["SecurityGroupIds"] = new[] { SecurityGroup.SecurityGroupId },
                },
                ["PermissionsConfig"] = new Dictionary<string, object> { ["CapacityProviderOperatorRoleArn"] = OperatorRole.RoleArn },
                ["InstanceRequirements"] = instanceRequirements,
                ["CapacityProviderScalingConfig"] = ScalingConfig(settings),
            },
        });
        // Instances launched before the NAT route exists could not reach Lambda's endpoints, and on deletion the
        // subnets must outlive the instances in them.
        Resource.Node.AddDependency(Vpc);
        Arn = Resource.GetAtt("Arn").ToString();
    }

    /// <summary>The VPC whose private subnets hold the instances.</summary>
    public Vpc Vpc { get; }

    /// <summary>The instances' security group.</summary>
    public SecurityGroup SecurityGroup { get; }

    /// <summary>The role Lambda assumes to manage the instances.</summary>
    public Role OperatorRole { get; }

    /// <summary>The <c>AWS::Lambda::CapacityProvider</c> resource.</summary>
    public CfnResource Resource { get; }

    /// <summary>The capacity provider's ARN (<c>Fn::GetAtt Arn</c>).</summary>
    public string Arn { get; }

    /// <summary>
    /// Places <paramref name="function"/> on this capacity provider: per-environment concurrency and memory per vCPU,
    /// how many environments may run, and publication to <c>$LATEST.PUBLISHED</c> on every deploy.
    /// </summary>
    /// <remarks>
    /// Unqualified invocations of a Managed Instances function, which is what a Function URL without a qualifier
    /// makes, run <c>$LATEST.PUBLISHED</c>; publishing it on each deploy keeps the URL on the newest code without
    /// numbered versions, each of which would keep execution environments of its own.
    /// </remarks>
    public void Attach(Function function, DeploymentSettings settings)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(settings);
        var cfn = (CfnFunction)function.Node.DefaultChild!;
        cfn.AddPropertyOverride("CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig", new Dictionary<string, object>
        {
            ["CapacityProviderArn"] = Arn,
            ["PerExecutionEnvironmentMaxConcurrency"] = settings.ManagedConcurrency,
            ["ExecutionEnvironmentMemoryGiBPerVCpu"] = settings.ManagedMemoryGiBPerVCpu,
        });
        cfn.AddPropertyOverride("FunctionScalingConfig", new Dictionary<string, object>
        {
            ["MinExecutionEnvironments"] = settings.ManagedMinEnvironments,
            ["MaxExecutionEnvironments"] = settings.ManagedMaxEnvironments,
        });
        cfn.AddPropertyOverride("PublishToLatestPublished", true);
    }

    private static Dictionary<string, object> ScalingConfig(DeploymentSettings settings)
    {
        var config = new Dictionary<string, object> { ["MaxVCpuCount"] = settings.ManagedMaxVCpu };
        if (settings.ManagedCpuTarget is { } target)
        {
            config["ScalingMode"] = "Manual";
            config["ScalingPolicies"] = new object[]
            {
                new Dictionary<string, object> { ["PredefinedMetricType"] = CpuMetric, ["TargetValue"] = target },
            };
        }
        else
        {
            config["ScalingMode"] = "Auto";
        }

        return config;
    }
}
