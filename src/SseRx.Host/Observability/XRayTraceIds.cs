using System.Buffers.Binary;
using System.Diagnostics;

namespace SseRx.Host.Observability;

/// <summary>
/// X-Ray-compatible trace ids for traces that start here: the first 4 bytes (8 hex digits) are the Unix time in
/// seconds, as X-Ray's <c>Root=1-{epoch}-{unique}</c> requires; the other 12 are random. Ids taken from an incoming
/// <c>X-Amzn-Trace-Id</c> are X-Ray ids already.
/// </summary>
/// <remarks>
/// No id generator for X-Ray ships in the pinned OpenTelemetry packages, so this one is installed through
/// <see cref="Activity.TraceIdGenerator"/>, which is process-wide: every root activity in the process, not only
/// SseRx's, then gets such an id (still a valid W3C id). Thread-safe.
/// </remarks>
internal static class XRayTraceIds
{
    /// <summary>Makes every new root trace id X-Ray-compatible, unless another generator is installed already.</summary>
    public static void Install() => Activity.TraceIdGenerator ??= NewTraceId;

    /// <summary>A new trace id: the current Unix time in seconds, then 12 random bytes.</summary>
    public static ActivityTraceId NewTraceId()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Random.Shared.NextBytes(bytes[4..]);
        return ActivityTraceId.CreateFromBytes(bytes);
    }
}
