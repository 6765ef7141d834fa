namespace SseRx;

/// <summary>Options for <see cref="ConsumerBuffer"/>.</summary>
public sealed class ConsumerBufferOptions
{
    /// <summary>The most events waiting for one slow client before it is dropped. Default 256.</summary>
    public int Capacity { get; set; } = 256;

    /// <summary>
    /// Event types of which only the latest pending one is kept (it moves to the tail, so ids stay in order).
    /// Default: <c>metrics</c> and <c>heartbeat</c>.
    /// </summary>
    public IReadOnlySet<string> ConflatedTypes { get; set; } =
        new HashSet<string>(StringComparer.Ordinal) { SseEventTypes.Metrics, SseEventTypes.Heartbeat };

    /// <summary>Throws when a value is out of range.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Capacity, 1, nameof(Capacity));
        ArgumentNullException.ThrowIfNull(ConflatedTypes, nameof(ConflatedTypes));
    }
}

/// <summary>The client fell further behind than <see cref="ConsumerBufferOptions.Capacity"/> allows and was dropped.</summary>
public sealed class SlowConsumerException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SlowConsumerException()
        : base("The client fell behind and its buffer is full.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public SlowConsumerException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public SlowConsumerException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The bridge from one connection's pipeline (push) to its writer (pull): a bounded buffer that applies the
/// slow-consumer policy.
/// </summary>
/// <remarks>
/// <para>
/// The pipeline pushes through <see cref="IObserver{T}"/>; pushing never blocks. Conflated types keep only
/// their latest pending event. When the buffer is full of other events, the buffer faults with a
/// <see cref="SlowConsumerException"/> and unsubscribes: that client ends, every other client is unaffected.
/// </para>
/// <para>
/// One reader (the connection's writer) calls <see cref="WaitToReadAsync"/> and <see cref="TryRead"/>.
/// Any number of threads may push. Disposing unsubscribes from the pipeline.
/// </para>
/// </remarks>
public sealed class ConsumerBuffer : IObserver<SseEvent>, IDisposable
{
    /// <summary>Creates an empty buffer; subscribe it with <see cref="SseObservable.SubscribeBuffered"/>.</summary>
    public ConsumerBuffer(ConsumerBufferOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        throw new NotImplementedException();
    }

    /// <summary>Events waiting to be read.</summary>
    public int Count => throw new NotImplementedException();

    /// <summary>
    /// Why the sequence ended with an error (<see cref="SlowConsumerException"/>, or the pipeline's own error),
    /// or <see langword="null"/> while running or after a clean completion.
    /// </summary>
    public Exception? Error => throw new NotImplementedException();

    /// <summary>
    /// Completes when an event can be read (<see langword="true"/>) or the sequence has ended and every event
    /// has been read (<see langword="false"/>). One reader at a time.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Takes the oldest waiting event, if any.</summary>
    public bool TryRead(out SseEvent? item) => throw new NotImplementedException();

    /// <inheritdoc />
    public void OnNext(SseEvent value) => throw new NotImplementedException();

    /// <inheritdoc />
    public void OnError(Exception error) => throw new NotImplementedException();

    /// <inheritdoc />
    public void OnCompleted() => throw new NotImplementedException();

    /// <summary>Unsubscribes from the pipeline and ends the sequence for the reader.</summary>
    public void Dispose() => throw new NotImplementedException();
}
