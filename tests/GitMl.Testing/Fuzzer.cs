using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit;

namespace GitMl.Testing;

/// <summary>What one fuzz run did: inputs tried, accepted, rejected cleanly, and the slowest case.</summary>
public sealed record FuzzReport(string Target, int Seed, int Cases, int Accepted, int Rejected, TimeSpan Slowest)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"fuzz {Target}: seed {Seed}, cases {Cases}, accepted {Accepted}, rejected {Rejected}, slowest {Slowest.TotalMilliseconds:F0} ms";
}

/// <summary>
/// A small seeded fuzzer for GitMl's parsers: mutation-based (bit flips, splices, truncation, dictionary tokens such as
/// <c>..</c>, absolute paths, NUL and invalid UTF-8) on a corpus of valid inputs, plus fixed extreme inputs (huge, deeply
/// nested, alias bombs). Every case must either be accepted (and pass the target's oracle) or be rejected with one of
/// the allowed exception types, within a time limit; anything else fails the test with the seed, the case number and
/// the input so it can be replayed.
/// </summary>
/// <remarks>
/// Case counts: <c>GITML_FUZZ_CASES</c> overrides; <c>GITML_FUZZ_LONG=1</c> multiplies the default by 50. The seed is
/// <c>GITML_FUZZ_SEED</c> (default 1), so a CI failure replays locally with the same numbers.
/// </remarks>
public sealed class Fuzzer
{
    private static readonly string[] Tokens =
    [
        "..", "../", "../../etc/passwd", "/etc/passwd", "/", "\\", "C:\\Windows", "C:", "~", "~/.ssh/id_rsa", "./", "//",
        "\0", "a\0b", "\u202e", "\uFEFF", "\r\n", "\n", "\t", " ", ":", ": ", "- ", "-", "#", "[", "]", "{", "}", "\"", "'",
        "&a", "*a", "&a [", "*a, *a", "!!binary", "!!str", "!!int", "!!python/object", "<<: *a", "%YAML 1.1\n", "---\n",
        "...\n", "|", ">", "?", "@", "!", "=", "%", "$", ",", "null", "~", "true", "yes", "NaN", ".inf", "-.inf", "1e309",
        "-1", "-0", "9223372036854775808", "99999999999999999999", "0x1f", "1_000", "0o7", "\\u0000", "\\ud800",
        "outs", "path", "oid", "size", "nfiles", "hash", "blake3", "md5", "isexec", "stages", "cmd", "deps", "params",
        "metrics", "plots", "artifacts", "relpath", "[core]", "[remote \"x\"]", "url", "secret_access_key", ".dir",
        new string('a', 64), new string('0', 64) + ".dir", new string('f', 65), "[[[[[[[[[[", "{{{{{{{{{{", "]]]]]]]]",
    ];

    private static readonly byte[][] ByteTokens =
    [
        [0xFF], [0xFE, 0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x9F, 0x92], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0x00],
        [0xEF, 0xBB, 0xBF], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
    ];

    private const string Interesting = "\0\n\r\t :-[]{}\"'#&*!|>%@`\\/.\u007f";

    private readonly Random _rng;
    private readonly IReadOnlyList<byte[]> _corpus;

    /// <summary>Creates a fuzzer over a corpus of valid inputs.</summary>
    public Fuzzer(int seed, IEnumerable<string> corpus)
        : this(seed, corpus.Select(Encoding.UTF8.GetBytes))
    {
    }

    /// <summary>Creates a fuzzer over a corpus of valid binary inputs.</summary>
    public Fuzzer(int seed, IEnumerable<byte[]> corpus)
    {
        Seed = seed;
        _rng = new Random(seed);
        _corpus = corpus.ToList();
        if (_corpus.Count == 0)
        {
            throw new ArgumentException("the corpus needs at least one input", nameof(corpus));
        }
    }

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>Seed from <c>GITML_FUZZ_SEED</c>, else 1.</summary>
    public static int DefaultSeed =>
        int.TryParse(Environment.GetEnvironmentVariable("GITML_FUZZ_SEED"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 1;

    /// <summary>Case count: <c>GITML_FUZZ_CASES</c>, else <paramref name="shortCount"/> (times 50 with <c>GITML_FUZZ_LONG=1</c>).</summary>
    public static int CaseCount(int shortCount)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("GITML_FUZZ_CASES"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            return n;
        }

        return Environment.GetEnvironmentVariable("GITML_FUZZ_LONG") == "1" ? shortCount * 50 : shortCount;
    }

    /// <summary>
    /// Inputs every parser must survive, whatever its format: empty, huge, deeply nested (JSON, YAML flow and block),
    /// YAML alias bombs, invalid UTF-8 and NUL bytes.
    /// </summary>
    public static IEnumerable<byte[]> Extremes()
    {
        yield return [];
        yield return "\n"u8.ToArray();
        yield return [0xEF, 0xBB, 0xBF];
        yield return [0xFF, 0xFE, 0x00, 0x00];
        yield return Enumerable.Repeat((byte)0, 4096).ToArray();
        yield return Enumerable.Range(0, 4096).Select(i => (byte)(i * 151)).ToArray();
        yield return Encoding.UTF8.GetBytes(new string('a', 4 << 20));
        yield return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("k: v\n", 200_000)));
        foreach (var depth in new[] { 100, 1_000, 10_000, 100_000 })
        {
            yield return Encoding.UTF8.GetBytes(new string('[', depth) + new string(']', depth));
            yield return Encoding.UTF8.GetBytes(new string('[', depth));
            yield return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth));
            yield return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{a: ", depth)) + "1" + new string('}', depth));
            yield return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Range(0, Math.Min(depth, 2_000)).Select(i => new string(' ', i) + "k:\n")));
            yield return Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("- ", depth)) + "x\n");
        }

        yield return Encoding.UTF8.GetBytes(AliasBomb(10));
        yield return Encoding.UTF8.GetBytes("stages:\n" + AliasBomb(12).Replace("\n", "\n  ", StringComparison.Ordinal));
        yield return Encoding.UTF8.GetBytes("outs:\n- &x\n  path: a\n  oid: " + new string('a', 64) + "\n  extra: *x\n");
        yield return Encoding.UTF8.GetBytes("a: &a [*a]\n");
        yield return "{\"a\": 1, \"a\": 2}"u8.ToArray();
        yield return "[{\"relpath\":\"../x\",\"oid\":\"aa\",\"size\":1}]"u8.ToArray();
        yield return Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Repeat("{\"relpath\":\"a\",\"oid\":\"" + new string('a', 64) + "\",\"size\":1}", 10_000)) + "]");
    }

    /// <summary>The next mutated input: one to four mutations of a corpus entry (sometimes spliced with another).</summary>
    public byte[] Next()
    {
        var data = new List<byte>(_corpus[_rng.Next(_corpus.Count)]);
        var rounds = 1 + _rng.Next(4);
        for (var i = 0; i < rounds; i++)
        {
            Mutate(data);
        }

        return data.ToArray();
    }

    /// <summary>
    /// Runs <paramref name="parse"/> on the extremes and <paramref name="cases"/> mutated inputs. It may return (the input
    /// was accepted; <paramref name="parse"/> checks its own oracle with asserts) or throw an exception for which
    /// <paramref name="isCleanError"/> is true; any other exception, or a case slower than <paramref name="perCase"/>,
    /// fails the test.
    /// </summary>
    public FuzzReport Run(string target, int cases, Action<byte[]> parse, Func<Exception, bool> isCleanError, TimeSpan? perCase = null)
    {
        var limit = perCase ?? TimeSpan.FromSeconds(10);
        var accepted = 0;
        var rejected = 0;
        var slowest = TimeSpan.Zero;
        var inputs = Extremes().Select(b => (Name: "extreme", Bytes: b))
            .Concat(Enumerable.Range(0, cases).Select(i => (Name: "case " + i.ToString(CultureInfo.InvariantCulture), Bytes: Next())));
        var total = 0;
        foreach (var (name, bytes) in inputs)
        {
            total++;
            var sw = Stopwatch.StartNew();
            Exception? error = null;

            // A dedicated thread with a big stack: a hang fails the test instead of blocking it, and deep recursion in a
            // parser is measured against a realistic stack (the CLI's main thread has 8 MiB on Linux).
            var thread = new Thread(
                () =>
                {
                    try
                    {
                        parse(bytes);
                    }
                    catch (Exception ex)
                    {
                        error = ex;
                    }
                },
                8 << 20)
            { IsBackground = true };
            thread.Start();
            if (!thread.Join(limit))
            {
                Assert.Fail($"{target}: {name} (seed {Seed}) did not finish within {limit.TotalSeconds} s; input: {Show(bytes)}");
            }

            var elapsed = sw.Elapsed;
            if (elapsed > slowest)
            {
                slowest = elapsed;
            }

            if (error is null)
            {
                accepted++;
            }
            else if (isCleanError(error))
            {
                rejected++;
            }
            else
            {
                Assert.Fail($"{target}: {name} (seed {Seed}) threw {error.GetType().Name}: {error.Message}\ninput: {Show(bytes)}\n{error}");
            }
        }

        return new FuzzReport(target, Seed, total, accepted, rejected, slowest);
    }

    /// <summary>A YAML document whose aliases expand to 10^<paramref name="levels"/> scalars if naively walked.</summary>
    public static string AliasBomb(int levels)
    {
        var sb = new StringBuilder("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < levels; i++)
        {
            var prev = "*l" + (i - 1).ToString(CultureInfo.InvariantCulture);
            sb.Append(CultureInfo.InvariantCulture, $"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat(prev, 10))}]\n");
        }

        return sb.ToString();
    }

    private static string Show(byte[] bytes)
    {
        var head = bytes.Length > 300 ? bytes[..300] : bytes;
        return $"{bytes.Length} bytes, base64 {Convert.ToBase64String(head)}{(bytes.Length > 300 ? "…" : string.Empty)}";
    }

    private void Mutate(List<byte> data)
    {
        var pos = data.Count == 0 ? 0 : _rng.Next(data.Count + 1);
        switch (_rng.Next(10))
        {
            case 0 when data.Count > 0:
                // Flip one bit.
                var i = _rng.Next(data.Count);
                data[i] ^= (byte)(1 << _rng.Next(8));
                break;
            case 1 when data.Count > 0:
                // Delete a run.
                var start = _rng.Next(data.Count);
                data.RemoveRange(start, Math.Min(data.Count - start, 1 + _rng.Next(16)));
                break;
            case 2:
                data.InsertRange(pos, Encoding.UTF8.GetBytes(Tokens[_rng.Next(Tokens.Length)]));
                break;
            case 3:
                data.InsertRange(pos, ByteTokens[_rng.Next(ByteTokens.Length)]);
                break;
            case 4 when data.Count > 0:
                // Duplicate a chunk (repeats keys, lines and list items).
                var s = _rng.Next(data.Count);
                var len = Math.Min(data.Count - s, 1 + _rng.Next(64));
                var chunk = data.GetRange(s, len);
                for (var r = _rng.Next(1, 4); r > 0; r--)
                {
                    data.InsertRange(Math.Min(pos, data.Count), chunk);
                }

                break;
            case 5 when pos < data.Count:
                // Truncate, as a write cut short would.
                data.RemoveRange(pos, data.Count - pos);
                break;
            case 6:
                // Splice in part of another corpus entry.
                var other = _corpus[_rng.Next(_corpus.Count)];
                var os = _rng.Next(other.Length);
                data.InsertRange(pos, other.AsSpan(os, Math.Min(other.Length - os, 1 + _rng.Next(128))).ToArray());
                break;
            case 7:
                ReplaceValue(data);
                break;
            case 8 when data.Count > 0:
                // Replace a byte with an interesting one.
                data[_rng.Next(data.Count)] = (byte)Interesting[_rng.Next(Interesting.Length)];
                break;
            default:
                data.Insert(pos, (byte)_rng.Next(256));
                break;
        }
    }

    private void ReplaceValue(List<byte> data)
    {
        // Swap the text after a ':' (a YAML/JSON/config value) for a dangerous token, so path checks see '..', '/abs', NUL.
        var text = Encoding.UTF8.GetString(data.ToArray());
        var colons = new List<int>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] is ':' or '=')
            {
                colons.Add(i);
            }
        }

        if (colons.Count == 0)
        {
            return;
        }

        var c = colons[_rng.Next(colons.Count)] + 1;
        var end = text.IndexOfAny([',', '\n', '}'], c);
        end = end < 0 ? text.Length : end;
        var value = Tokens[_rng.Next(12)] + (_rng.Next(2) == 0 ? "/x" : string.Empty);
        var quoted = text[c..end].Contains('"') ? "\"" + value.Replace("\\", "\\\\").Replace("\0", "\\u0000") + "\"" : " '" + value + "'";
        var replaced = text[..c] + quoted + text[end..];
        data.Clear();
        data.AddRange(Encoding.UTF8.GetBytes(replaced));
    }
}
