using System.Globalization;
using System.Text;

namespace GitMl.Examples.Prepare;

using GitMl.Examples;

/// <summary>
/// <c>prepare PARAMS OUTDIR</c>: reads <c>prepare.seed</c>, <c>prepare.rows</c> and <c>prepare.split</c> from the params
/// file and writes <c>train.csv</c> and <c>test.csv</c> (features x1..x3, label y) into OUTDIR. The same params always
/// give byte-identical files: the generator is seeded and numbers are written with the invariant culture.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: prepare PARAMS_YAML OUTDIR");
            return 2;
        }

        var p = Params.Read(args[0]);
        var seed = (int)p.Get("prepare.seed", 42);
        var rows = (int)p.Get("prepare.rows", 600);
        var split = p.Get("prepare.split", 0.2);
        var outDir = args[1];
        Directory.CreateDirectory(outDir);

        // A hidden linear rule with label noise: the model has something real to learn, and cannot reach 100 %.
        double[] w = [1.5, -2.0, 0.75];
        const double b = 0.25;
        var rng = new Random(seed);
        var lines = new List<string>(rows);
        for (var i = 0; i < rows; i++)
        {
            var x = new double[3];
            for (var j = 0; j < 3; j++)
            {
                x[j] = Math.Round((rng.NextDouble() * 4) - 2, 4);
            }

            var z = (w[0] * x[0]) + (w[1] * x[1]) + (w[2] * x[2]) + b + ((rng.NextDouble() - 0.5) * 1.5);
            var y = z > 0 ? 1 : 0;
            lines.Add(string.Join(',', x.Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "," + y);
        }

        var testCount = (int)Math.Round(rows * split);
        Write(Path.Combine(outDir, "train.csv"), lines.Skip(testCount));
        Write(Path.Combine(outDir, "test.csv"), lines.Take(testCount));
        Console.WriteLine($"prepare: {rows - testCount} train rows, {testCount} test rows (seed {seed})");
        return 0;
    }

    private static void Write(string path, IEnumerable<string> lines)
    {
        var sb = new StringBuilder("x1,x2,x3,y\n");
        foreach (var l in lines)
        {
            sb.Append(l).Append('\n');
        }

        File.WriteAllText(path, sb.ToString());
    }
}
