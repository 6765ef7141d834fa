using System.Diagnostics;

namespace SseRx;

/// <summary>
/// Work that one thread at a time delivers, in order, outside its owner's lock: a caller that queues work while
/// nobody is delivering becomes the deliverer and drains the queue until it is empty; a caller that finds a delivery
/// running leaves its work to that thread. The owner's lock guards the queue: call both members under it, and run
/// the delivery itself after releasing it.
/// </summary>
/// <typeparam name="T">The work item.</typeparam>
/// <param name="gate">The owner's lock.</param>
internal sealed class DrainQueue<T>(Lock gate)
{
    private readonly Queue<T> _items = new();
    private bool _draining;

    /// <summary>Queues <paramref name="item"/>; true when the caller must now drain (no other thread is).</summary>
    public bool EnqueueAndClaim(T item)
    {
        Debug.Assert(gate.IsHeldByCurrentThread, "The queue is changed under its owner's lock only.");
        _items.Enqueue(item);
        if (_draining)
        {
            return false;
        }

        _draining = true;
        return true;
    }

    /// <summary>For the draining thread: the next item, or false when none is left, which ends the drain.</summary>
    public bool TryTakeOrRelease(out T item)
    {
        Debug.Assert(gate.IsHeldByCurrentThread, "The queue is changed under its owner's lock only.");
        Debug.Assert(_draining, "Only the draining thread takes items.");
        if (_items.TryDequeue(out item!))
        {
            return true;
        }

        _draining = false;
        return false;
    }
}
