using System.Net;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;

namespace SseRx.DynamoDb;

/// <summary>Classifies DynamoDB failures for <see cref="PollOptions.IsTransient"/>.</summary>
public static class DynamoDbErrors
{
    // Errors that a retry cannot fix: the table is missing, the request is malformed, or the caller is not allowed.
    private static readonly HashSet<string> PermanentCodes = new(StringComparer.Ordinal)
    {
        "ResourceNotFoundException",
        "ValidationException",
        "UnrecognizedClientException",
        "AccessDeniedException",
        "AccessDenied",
        "InvalidSignatureException",
        "IncompleteSignatureException",
        "MissingAuthenticationTokenException",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "UnknownOperationException",
    };

    /// <summary>
    /// Whether a failure is transient (back off and retry soon) or permanent (needs an operator: report it as
    /// <see cref="PollState.Failed"/>).
    /// </summary>
    /// <remarks>
    /// Permanent: a missing table (<see cref="ResourceNotFoundException"/>), a malformed request
    /// (<c>ValidationException</c>), and authentication or authorization errors (<c>UnrecognizedClientException</c>,
    /// <c>AccessDeniedException</c>, an invalid signature). Transient: throttling
    /// (<see cref="ProvisionedThroughputExceededException"/>, <see cref="RequestLimitExceededException"/>,
    /// <see cref="ThrottlingException"/>), server errors (HTTP 5xx), network failures and timeouts, and anything
    /// unrecognised, since retrying an unknown error is cheaper than giving up on a live stream. Thread-safe.
    /// </remarks>
    /// <param name="exception">The failure; an <see cref="AggregateException"/> is transient only if all of its inner exceptions are.</param>
    public static bool IsTransient(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        switch (exception)
        {
            case AggregateException aggregate:
                return aggregate.InnerExceptions.All(IsTransient);
            case ResourceNotFoundException:
                return false;
            case ProvisionedThroughputExceededException or RequestLimitExceededException or ThrottlingException:
                return true;
            case AmazonServiceException service when service.ErrorCode is { } code && PermanentCodes.Contains(code):
                return false;
            case AmazonServiceException { StatusCode: HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized }:
                return false;
            default:
                return true;
        }
    }
}
