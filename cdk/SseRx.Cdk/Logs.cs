using Amazon.CDK.AWS.Logs;

namespace SseRx.Cdk;

/// <summary>Log group helpers shared by both targets.</summary>
internal static class Logs
{
    // jsii enums carry no numeric value, so the days CloudWatch Logs accepts are mapped by hand.
    private static readonly Dictionary<int, RetentionDays> Retention = new()
    {
        [1] = RetentionDays.ONE_DAY,
        [3] = RetentionDays.THREE_DAYS,
        [5] = RetentionDays.FIVE_DAYS,
        [7] = RetentionDays.ONE_WEEK,
        [14] = RetentionDays.TWO_WEEKS,
        [30] = RetentionDays.ONE_MONTH,
        [60] = RetentionDays.TWO_MONTHS,
        [90] = RetentionDays.THREE_MONTHS,
        [120] = RetentionDays.FOUR_MONTHS,
        [150] = RetentionDays.FIVE_MONTHS,
        [180] = RetentionDays.SIX_MONTHS,
        [365] = RetentionDays.ONE_YEAR,
        [400] = RetentionDays.THIRTEEN_MONTHS,
        [545] = RetentionDays.EIGHTEEN_MONTHS,
        [731] = RetentionDays.TWO_YEARS,
        [1827] = RetentionDays.FIVE_YEARS,
        [3653] = RetentionDays.TEN_YEARS,
    };

    /// <summary>The retention enum for a number of days, or null when CloudWatch Logs has no such period.</summary>
    public static RetentionDays? RetentionFor(int days) => Retention.TryGetValue(days, out var r) ? r : null;

    /// <summary>A log group with the configured retention; it outlives the stack (RETAIN) so logs survive a teardown.</summary>
    public static LogGroup Create(Constructs.Construct scope, string id, DeploymentSettings settings) =>
        new(scope, id, new LogGroupProps
        {
            Retention = RetentionFor(settings.LogRetentionDays)!.Value,
            RemovalPolicy = Amazon.CDK.RemovalPolicy.RETAIN,
        });
}
