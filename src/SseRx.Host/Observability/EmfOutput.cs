namespace SseRx.Host.Observability;

/// <summary>
/// Where EMF lines go: stdout by default, written directly rather than through the logger so each line is the exact
/// EMF document (a log formatter would wrap it). CloudWatch Logs reads stdout on Lambda and through the awslogs
/// driver on ECS. Tests register another instance over a <see cref="TextWriter"/> of their own.
/// </summary>
/// <remarks>
/// Each document is written with one <see cref="TextWriter.Write(string)"/> call under a lock, so lines never
/// interleave with each other; <see cref="Console.Out"/> is itself synchronized, so they do not interleave with
/// console log lines either. The writer is not disposed by this class.
/// </remarks>
internal sealed class EmfOutput(TextWriter writer)
{
    private readonly Lock _lock = new();

    /// <summary>Writes one complete line (ending with <c>\n</c>) and flushes it.</summary>
    public void WriteLine(string line)
    {
        lock (_lock)
        {
            writer.Write(line);
            writer.Flush();
        }
    }
}
