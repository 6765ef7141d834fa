using System.Reactive;

namespace SseRx.Tests.Testing;

/// <summary>Factory methods and constants with the names Microsoft.Reactive.Testing uses.</summary>
public class ReactiveTest
{
    public const long Created = 100;
    public const long Subscribed = 200;
    public const long Disposed = 1000;

    public static Recorded<Notification<T>> OnNext<T>(long ticks, T value) => new(ticks, Notification.CreateOnNext(value));

    public static Recorded<Notification<T>> OnCompleted<T>(long ticks) => new(ticks, Notification.CreateOnCompleted<T>());

    public static Recorded<Notification<T>> OnError<T>(long ticks, Exception exception) => new(ticks, Notification.CreateOnError<T>(exception));

    public static Subscription Subscribe(long start, long end) => new(start, end);

    public static Subscription Subscribe(long start) => new(start);
}

public static class ReactiveAssert
{
    /// <summary>Asserts that two message lists are equal, element by element, with a readable diff on failure.</summary>
    public static void AssertEqual<T>(this IEnumerable<T> actual, params T[] expected)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var actualList = actual.ToList();
        Assert.True(
            expected.SequenceEqual(actualList),
            $"Expected: [{string.Join(", ", expected)}]{Environment.NewLine}Actual:   [{string.Join(", ", actualList)}]");
    }
}
