using System.Globalization;
using System.Text;
using GitMl.Examples;

namespace GitMl.Examples.Train;

/// <summary>
/// <c>train PARAMS DATADIR MODEL METRICS LOG</c>: full-batch gradient descent on logistic regression
/// (<c>train.lr</c>, <c>train.epochs</c>, <c>train.l2</c>), then writes the ONNX model, <c>metrics.json</c> and a
/// per-step TSV log (<c>step, train_loss, val_loss, val_accuracy</c>). Deterministic: same inputs, same bytes.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length != 5)
        {
            Console.Error.WriteLine("usage: train PARAMS_YAML DATADIR MODEL_ONNX METRICS_JSON LOG_TSV");
            return 2;
        }

        var p = Params.Read(args[0]);
        var lr = p.Get("train.lr", 0.1);
        var epochs = (int)p.Get("train.epochs", 50);
        var l2 = p.Get("train.l2", 0.0);
        if (lr <= 0 || epochs <= 0)
        {
            Console.Error.WriteLine($"train: train.lr ({lr}) and train.epochs ({epochs}) must be positive");
            return 3;
        }

        var (xTrain, yTrain) = Read(Path.Combine(args[1], "train.csv"));
        var (xTest, yTest) = Read(Path.Combine(args[1], "test.csv"));
        var features = xTrain[0].Length;
        var w = new double[features];
        var b = 0.0;
        var log = new StringBuilder("step\ttrain_loss\tval_loss\tval_accuracy\n");
        for (var step = 1; step <= epochs; step++)
        {
            var gw = new double[features];
            var gb = 0.0;
            for (var i = 0; i < xTrain.Length; i++)
            {
                var err = Predict(w, b, xTrain[i]) - yTrain[i];
                for (var j = 0; j < features; j++)
                {
                    gw[j] += err * xTrain[i][j];
                }

                gb += err;
            }

            for (var j = 0; j < features; j++)
            {
                w[j] -= lr * ((gw[j] / xTrain.Length) + (l2 * w[j]));
            }

            b -= lr * gb / xTrain.Length;
            log.Append(CultureInfo.InvariantCulture, $"{step}\t{F(Loss(w, b, xTrain, yTrain))}\t{F(Loss(w, b, xTest, yTest))}\t{F(Accuracy(w, b, xTest, yTest))}\n");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[2]))!);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(args[4]))!);
        File.WriteAllBytes(args[2], OnnxWriter.LogisticRegression(w.Select(v => (float)v).ToArray(), (float)b));
        File.WriteAllText(args[4], log.ToString());
        var metrics = $"{{\"train\": {{\"loss\": {F(Loss(w, b, xTrain, yTrain))}}}, \"val\": {{\"loss\": {F(Loss(w, b, xTest, yTest))}, \"accuracy\": {F(Accuracy(w, b, xTest, yTest))}}}}}\n";
        File.WriteAllText(args[3], metrics);
        Console.WriteLine($"train: {epochs} steps at lr {lr.ToString(CultureInfo.InvariantCulture)}: val accuracy {F(Accuracy(w, b, xTest, yTest))}");
        return 0;
    }

    private static string F(double v) => Math.Round(v, 6).ToString("R", CultureInfo.InvariantCulture);

    private static double Predict(double[] w, double b, double[] x)
    {
        var z = b;
        for (var j = 0; j < w.Length; j++)
        {
            z += w[j] * x[j];
        }

        return 1 / (1 + Math.Exp(-z));
    }

    private static double Loss(double[] w, double b, double[][] x, int[] y)
    {
        var sum = 0.0;
        for (var i = 0; i < x.Length; i++)
        {
            var p = Math.Clamp(Predict(w, b, x[i]), 1e-12, 1 - 1e-12);
            sum -= (y[i] * Math.Log(p)) + ((1 - y[i]) * Math.Log(1 - p));
        }

        return sum / x.Length;
    }

    private static double Accuracy(double[] w, double b, double[][] x, int[] y)
    {
        var right = 0;
        for (var i = 0; i < x.Length; i++)
        {
            right += (Predict(w, b, x[i]) >= 0.5 ? 1 : 0) == y[i] ? 1 : 0;
        }

        return (double)right / x.Length;
    }

    private static (double[][] X, int[] Y) Read(string path)
    {
        var rows = File.ReadAllLines(path).Skip(1).Where(l => l.Length > 0).Select(l => l.Split(',')).ToList();
        var x = rows.Select(r => r[..^1].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        var y = rows.Select(r => int.Parse(r[^1], CultureInfo.InvariantCulture)).ToArray();
        return (x, y);
    }
}
