namespace GitMl.Serving.Monitoring;

/// <summary>Per-input running statistics over the last N requests, for spotting drift.</summary>
public sealed class InputStats
{
    private readonly int _window;
    private readonly Dictionary<string, Ring> _inputs = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Keeps the last <paramref name="window"/> requests per input.</summary>
    public InputStats(int window) => _window = Math.Max(1, window);

    /// <summary>Window length in requests.</summary>
    public int Window => _window;

    /// <summary>Adds one request's summary of one input.</summary>
    public void Add(string input, long count, double sum, double min, double max)
    {
        lock (_gate)
        {
            if (!_inputs.TryGetValue(input, out var ring))
            {
                _inputs[input] = ring = new Ring(_window);
            }

            ring.Add(new Entry(count, sum, min, max));
        }
    }

    /// <summary>Per input: requests and values in the window, mean, min, max.</summary>
    public IReadOnlyDictionary<string, InputSummary> Snapshot()
    {
        lock (_gate)
        {
            var result = new SortedDictionary<string, InputSummary>(StringComparer.Ordinal);
            foreach (var (name, ring) in _inputs)
            {
                long requests = 0, values = 0;
                double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
                foreach (var e in ring.Items())
                {
                    requests++;
                    values += e.Count;
                    sum += e.Sum;
                    min = Math.Min(min, e.Min);
                    max = Math.Max(max, e.Max);
                }

                result[name] = new InputSummary(requests, values, values == 0 ? 0 : sum / values, values == 0 ? 0 : min, values == 0 ? 0 : max);
            }

            return result;
        }
    }

    private readonly record struct Entry(long Count, double Sum, double Min, double Max);

    private sealed class Ring
    {
        private readonly Entry[] _items;
        private int _next;
        private int _count;

        public Ring(int size) => _items = new Entry[size];

        public void Add(Entry e)
        {
            _items[_next] = e;
            _next = (_next + 1) % _items.Length;
            _count = Math.Min(_count + 1, _items.Length);
        }

        public IEnumerable<Entry> Items() => _items.Take(_count);
    }
}

/// <summary>Statistics of one input over the window.</summary>
/// <param name="Requests">Requests in the window.</param>
/// <param name="Count">Values seen in those requests.</param>
/// <param name="Mean">Mean value.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
public sealed record InputSummary(long Requests, long Count, double Mean, double Min, double Max);
