using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using SseRx.DynamoDb.Tests.Infrastructure;

namespace SseRx.DynamoDb.Tests;

/// <summary>DynamoDbErrors.IsTransient: throttling and outages retry soon; a missing table or bad credentials need an operator.</summary>
[Collection(DynaliteCollection.Name)]
public sealed class ErrorClassificationTests(DynaliteFixture fixture)
{
    [Fact]
    public async Task A_missing_table_reported_by_a_real_server_is_permanent()
    {
        var error = await Assert.ThrowsAsync<ResourceNotFoundException>(
            () => fixture.Client.QueryAsync(new QueryRequest
            {
                TableName = "no-such-table",
                KeyConditionExpression = "#b = :b",
                ExpressionAttributeNames = new() { ["#b"] = "bucket" },
                ExpressionAttributeValues = new() { [":b"] = new AttributeValue { S = "x" } },
            }));

        Assert.False(DynamoDbErrors.IsTransient(error));
    }

    [Fact]
    public async Task A_refused_connection_from_a_real_client_is_transient()
    {
        using var client = new AmazonDynamoDBClient(
            new BasicAWSCredentials("test", "test"),
            new AmazonDynamoDBConfig { ServiceURL = "http://127.0.0.1:1", AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.ListTablesAsync());

        Assert.True(DynamoDbErrors.IsTransient(error));
    }

    public static TheoryData<Exception, bool> Classified => new()
    {
        { new ProvisionedThroughputExceededException("slow down"), true },
        { new RequestLimitExceededException("account limit"), true },
        { new ThrottlingException("throttled"), true },
        { new InternalServerErrorException("oops"), true },
        { Service("ServiceUnavailable", HttpStatusCode.ServiceUnavailable), true },
        { Service("InternalFailure", HttpStatusCode.InternalServerError), true },
        { new HttpRequestException("connection reset"), true },
        { new TaskCanceledException("timeout"), true },
        { new IOException("broken pipe"), true },
        { new ResourceNotFoundException("no table"), false },
        { Service("UnrecognizedClientException", HttpStatusCode.BadRequest), false },
        { Service("AccessDeniedException", HttpStatusCode.BadRequest), false },
        { Service("InvalidSignatureException", HttpStatusCode.BadRequest), false },
        { Service("MissingAuthenticationTokenException", HttpStatusCode.BadRequest), false },
        { Service("ValidationException", HttpStatusCode.BadRequest), false },
        { Service("Whatever", HttpStatusCode.Forbidden), false },
        { new AggregateException(new ThrottlingException("a"), new HttpRequestException("b")), true },
        { new AggregateException(new ThrottlingException("a"), new ResourceNotFoundException("b")), false },
    };

    [Theory]
    [MemberData(nameof(Classified))]
    public void Errors_are_classified(Exception error, bool transient) =>
        Assert.Equal(transient, DynamoDbErrors.IsTransient(error));

    [Fact]
    public void A_null_error_is_refused() =>
        Assert.Throws<ArgumentNullException>(() => DynamoDbErrors.IsTransient(null!));

    private static AmazonDynamoDBException Service(string code, HttpStatusCode status) =>
        new("error " + code, ErrorType.Unknown, code, "request-id", status);
}
