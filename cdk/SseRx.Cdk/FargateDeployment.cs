using Amazon.CDK;
using Amazon.CDK.AWS.CertificateManager;
using Amazon.CDK.AWS.EC2;
using Amazon.CDK.AWS.ECS;
using Amazon.CDK.AWS.ECS.Patterns;
using Amazon.CDK.AWS.IAM;
using Constructs;
using HealthCheck = Amazon.CDK.AWS.ElasticLoadBalancingV2.HealthCheck;
using Protocol = Amazon.CDK.AWS.ElasticLoadBalancingV2.ApplicationProtocol;

namespace SseRx.Cdk;

/// <summary>
/// The long-lived alternative: the host image (Role=all) on ECS Fargate behind an Application Load
/// Balancer, where one process serves thousands of streams with a single poller.
/// </summary>
/// <remarks>
/// The image is a Docker asset of the repository root built from <c>src/SseRx.Host/Dockerfile</c>.
/// Synthesis only stages the build context into cdk.out; <c>cdk deploy</c> (cdk-assets) runs the
/// Docker build, so synth and the tests need no Docker engine.
/// </remarks>
public sealed class FargateDeployment : Construct
{
    /// <summary>The container that runs the host.</summary>
    public const string ContainerName = "host";

    /// <summary>
    /// A minimal ADOT collector pipeline: OTLP in on localhost, X-Ray out. Metrics stay on stdout as EMF
    /// (the awslogs driver ships them; CloudWatch Logs extracts them), so the collector exports no metrics.
    /// </summary>
    public const string CollectorConfig = """
        receivers:
          otlp:
            protocols:
              grpc:
                endpoint: 127.0.0.1:4317
              http:
                endpoint: 127.0.0.1:4318
        processors:
          batch: {}
        exporters:
          awsxray: {}
        service:
          pipelines:
            traces:
              receivers: [otlp]
              processors: [batch]
              exporters: [awsxray]
        """;

    /// <summary>Creates the VPC, cluster, load-balanced service, log group and output.</summary>
    public FargateDeployment(Construct scope, string id, DeploymentSettings settings, SseRxTables tables) : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(tables);

        // Public subnets only, no NAT gateways: the tasks pull their image and reach DynamoDB through the
        // internet gateway; their security group admits only the load balancer.
        var vpc = new Vpc(this, "Vpc", new VpcProps
        {
            MaxAzs = 2,
            NatGateways = 0,
            SubnetConfiguration = [new SubnetConfiguration { Name = "public", SubnetType = SubnetType.PUBLIC, CidrMask = 24 }],
        });
        var cluster = new Cluster(this, "Cluster", new ClusterProps { Vpc = vpc });

        var env = HostEnvironment.For("all", settings.FargateMaxConnections, settings.FargateStreamLifetime, "sserx", settings, tables);
        // The dashboard, the API and the streams share the load balancer's origin.
        env["SseRx__Dashboard__SseBaseUrl"] = "";
        env["SseRx__Dashboard__ApiBaseUrl"] = "";

        var logGroup = Logs.Create(this, "Logs", settings);
        var certificate = settings.CertificateArn is { } arn ? Certificate.FromCertificateArn(this, "Certificate", arn) : null;
        Service = new ApplicationLoadBalancedFargateService(this, "Service", new ApplicationLoadBalancedFargateServiceProps
        {
            Cluster = cluster,
            DesiredCount = settings.DesiredCount,
            Cpu = settings.Cpu,
            MemoryLimitMiB = settings.MemoryMb,
            RuntimePlatform = new RuntimePlatform
            {
                CpuArchitecture = CpuArchitecture.X86_64,
                OperatingSystemFamily = OperatingSystemFamily.LINUX,
            },
            PublicLoadBalancer = true,
            AssignPublicIp = true,
            TaskSubnets = new SubnetSelection { SubnetType = SubnetType.PUBLIC },
            // The ALB drops a connection that stays silent this long; heartbeats keep streams under it.
            IdleTimeout = Duration.Seconds(settings.AlbIdleTimeout.TotalSeconds),
            // HTTPS gives browsers HTTP/2, lifting the six-connections-per-host limit of HTTP/1.1 EventSource.
            Certificate = certificate,
            Protocol = certificate is null ? Protocol.HTTP : Protocol.HTTPS,
            RedirectHTTP = certificate is not null,
            CircuitBreaker = new DeploymentCircuitBreaker { Rollback = true },
            MinHealthyPercent = 100,
            TaskImageOptions = new ApplicationLoadBalancedTaskImageOptions
            {
                ContainerName = ContainerName,
                Image = HostImage(settings),
                ContainerPort = DeploymentSettings.Port,
                Environment = env,
                LogDriver = LogDrivers.AwsLogs(new AwsLogDriverProps
                {
                    StreamPrefix = "host",
                    LogGroup = logGroup,
                }),
            },
        });

        Service.TargetGroup.ConfigureHealthCheck(new HealthCheck
        {
            Path = DeploymentSettings.HealthPath,
            HealthyHttpCodes = "200",
            Interval = Duration.Seconds(15),
        });
        // Streams never drain by themselves; on deregistration they are cut and the clients resume elsewhere.
        Service.TargetGroup.SetAttribute("deregistration_delay.timeout_seconds", "30");
        Service.TaskDefinition.DefaultContainer!.AddUlimits(new Ulimit
        {
            Name = UlimitName.NOFILE,
            SoftLimit = 65_536,
            HardLimit = 65_536,
        });

        tables.GrantReadAndConfigurationWrite(Service.TaskDefinition.TaskRole);
        if (settings.AdotCollectorImage is { } collectorImage)
        {
            AddCollector(Service.TaskDefinition, collectorImage, logGroup);
        }

        _ = new CfnOutput(Stack.Of(this), "ServiceUrl", new CfnOutputProps
        {
            Value = $"{(certificate is null ? "http" : "https")}://{Service.LoadBalancer.LoadBalancerDnsName}",
            Description = "The dashboard, REST API and SSE streams (one origin, behind the ALB).",
        });
        _ = new CfnOutput(Stack.Of(this), "LogGroup", new CfnOutputProps { Value = logGroup.LogGroupName });
    }

    /// <summary>The load-balanced service.</summary>
    public ApplicationLoadBalancedFargateService Service { get; }

    /// <summary>
    /// The image asset: the repository root as build context, filtered by the Dockerfile's own
    /// <c>Dockerfile.dockerignore</c> so cdk.out, bin/, obj/ and artifacts/ are never staged.
    /// </summary>
    private static ContainerImage HostImage(DeploymentSettings settings)
    {
        var context = Path.GetFullPath(settings.ImageContext);
        var dockerfile = Path.Combine(context, settings.Dockerfile);
        if (!File.Exists(dockerfile))
        {
            throw new ArgumentException($"No Dockerfile at '{dockerfile}'; set -c imageContext=<repository root> and -c dockerfile=<path>.");
        }

        var ignoreFile = dockerfile + ".dockerignore";
        var exclude = File.Exists(ignoreFile)
            ? File.ReadAllLines(ignoreFile).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToArray()
            : [];
        return ContainerImage.FromAsset(context, new AssetImageProps
        {
            File = settings.Dockerfile,
            Exclude = exclude,
            IgnoreMode = IgnoreMode.DOCKER,
            Platform = Amazon.CDK.AWS.Ecr.Assets.Platform_.LINUX_AMD64,
        });
    }

    private static void AddCollector(TaskDefinition task, string image, Amazon.CDK.AWS.Logs.ILogGroup logGroup)
    {
        task.AddContainer("AdotCollector", new ContainerDefinitionOptions
        {
            ContainerName = "adot-collector",
            Image = ContainerImage.FromRegistry(image),
            // Traces are best effort: a failing collector must not stop the host.
            Essential = false,
            MemoryReservationMiB = 64,
            Environment = new Dictionary<string, string> { ["AOT_CONFIG_CONTENT"] = CollectorConfig },
            Logging = LogDrivers.AwsLogs(new AwsLogDriverProps
            {
                StreamPrefix = "adot",
                LogGroup = logGroup,
            }),
        });
        task.AddToTaskRolePolicy(new PolicyStatement(new PolicyStatementProps
        {
            Actions = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"],
            Resources = ["*"],
        }));
    }
}
