namespace SseRx;

/// <summary>
/// The SseRx operators: composable <see cref="IObservable{T}"/> building blocks for streaming a store to
/// Server-Sent Events clients. Every time-based operator has an overload that takes an
/// <see cref="System.Reactive.Concurrency.IScheduler"/>; the one without uses
/// <see cref="System.Reactive.Concurrency.Scheduler.Default"/>.
/// </summary>
public static partial class SseObservable;
