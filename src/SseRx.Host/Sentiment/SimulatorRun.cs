using System.Globalization;
using System.Reactive.Concurrency;

namespace SseRx.Host.Sentiment;

/// <summary>One subscription to <see cref="SentimentSimulator.Generate"/>: its random source, biases and sequence.</summary>
/// <remarks>Runs on the scheduler's periodic timer, which never overlaps its own ticks, so it needs no lock.</remarks>
internal sealed class SimulatorRun
{
    /// <summary>Above this rate (items per second) a tick emits several items.</summary>
    internal const double MaxRateForOneItemPerTick = 10;

    // Keeps both the positive and the negative share within (0, 1 - NeutralShare).
    private const double MaxBias = 0.6;
    private const double BiasStep = 0.05;
    private const double NeutralShare = 0.3;

    private readonly IScheduler _scheduler;
    private readonly IObserver<SentimentItem> _observer;
    private readonly Random _random;
    private readonly string[] _tickers;
    private readonly double[] _cumulativeWeights;
    private readonly double[] _bias;
    private readonly TimeSpan _period;
    private readonly double _itemsPerTick;
    private readonly string _runId;
    private long _ticks;
    private long _emitted;
    private long _sequence;

    public SimulatorRun(double rate, string[] tickers, int seed, IScheduler scheduler, IObserver<SentimentItem> observer)
    {
        _scheduler = scheduler;
        _observer = observer;
        _random = new Random(seed);
        _tickers = tickers;

        _cumulativeWeights = new double[tickers.Length];
        var total = 0.0;
        for (var i = 0; i < tickers.Length; i++)
        {
            total += 1.0 / (i + 1);
            _cumulativeWeights[i] = total;
        }

        _bias = new double[tickers.Length];
        for (var i = 0; i < tickers.Length; i++)
        {
            _bias[i] = (_random.NextDouble() * 0.6) - 0.3;
        }

        // Exact items per tick for slow rates (1), so rounding never drops an item.
        if (rate > MaxRateForOneItemPerTick)
        {
            _period = TimeSpan.FromSeconds(1 / MaxRateForOneItemPerTick);
            _itemsPerTick = rate / MaxRateForOneItemPerTick;
        }
        else
        {
            _period = TimeSpan.FromSeconds(1 / rate);
            _itemsPerTick = 1;
        }

        var startMs = scheduler.Now.ToUnixTimeMilliseconds();
        _runId = string.Create(CultureInfo.InvariantCulture, $"sim-{startMs:x}-{(uint)seed:x}-");
    }

    public IDisposable Start() => _scheduler.SchedulePeriodic(_period, Tick);

    private void Tick()
    {
        // Items due by this tick, from the tick count rather than a running fraction, so error never accumulates.
        _ticks++;
        var due = (long)Math.Floor((_ticks * _itemsPerTick) + 1e-9);
        var count = due - _emitted;
        _emitted = due;

        var now = DateTimeOffset.FromUnixTimeMilliseconds(_scheduler.Now.ToUnixTimeMilliseconds());
        for (var i = 0; i < count; i++)
        {
            _observer.OnNext(NextItem(now));
        }
    }

    private SentimentItem NextItem(DateTimeOffset now)
    {
        var t = PickTicker();
        _bias[t] = Math.Clamp(_bias[t] + ((_random.NextDouble() - 0.5) * 2 * BiasStep), -MaxBias, MaxBias);

        // The bias moves probability between positive and negative; neutral keeps a fixed share.
        var positiveShare = (1 - NeutralShare + _bias[t]) / 2;
        var draw = _random.NextDouble();
        var label = draw < NeutralShare ? SentimentLabel.Neutral
            : draw < NeutralShare + positiveShare ? SentimentLabel.Positive
            : SentimentLabel.Negative;

        var u = _random.NextDouble();
        var score = label switch
        {
            SentimentLabel.Positive => Math.Max(0.201, Math.Round(1 - (0.8 * u), 3)),
            SentimentLabel.Negative => Math.Min(-0.201, Math.Round(-1 + (0.8 * u), 3)),
            _ => Math.Round(-0.2 + (0.4 * u), 3),
        };

        var itemId = string.Create(CultureInfo.InvariantCulture, $"{_runId}{_sequence++:x12}");
        return new SentimentItem(itemId, _tickers[t], label, score, now);
    }

    private int PickTicker()
    {
        var draw = _random.NextDouble() * _cumulativeWeights[^1];
        var index = Array.BinarySearch(_cumulativeWeights, draw);
        return Math.Min(index < 0 ? ~index : index + 1, _tickers.Length - 1);
    }
}
