using System.Text;
using GitMl.Core;
using GitMl.Core.Metrics;
using GitMl.Core.Pipelines;

namespace GitMl.Core.Tests.Metrics;

public class MetricsCoreTests
{
    private static FlatFile Flat(string text, string name) => StructuredFile.Flatten(Encoding.UTF8.GetBytes(text), name);

    [Fact]
    public void Flatten_NestedJsonWithLists_FlattensKeysAndNotesListOfObjects()
    {
        // Given JSON with nesting, a list of scalars, a list of objects, a string and a bool
        var text = """{"val": {"acc": 0.9, "deep": {"x": 1}}, "classes": [1, 2, "c"], "per_class": [{"a": 1}], "name": "m", "ok": true}""";

        // When flattened
        var flat = Flat(text, "metrics.json");

        // Then keys are dotted, the scalar list is one value, the object list is noted, non-numbers have no number
        Assert.Equal(["classes", "name", "ok", "val.acc", "val.deep.x"], flat.Values.Keys);
        Assert.Equal(0.9, flat.Values["val.acc"].Number);
        Assert.Equal("[1, 2, c]", flat.Values["classes"].Text);
        Assert.Null(flat.Values["classes"].Number);
        Assert.Null(flat.Values["ok"].Number);
        Assert.Equal(["per_class: list of objects ignored"], flat.Notes);
    }

    [Fact]
    public void Flatten_Yaml_QuotedNumbersStayText()
    {
        // Given YAML with a plain number, a quoted number and a nested mapping
        var flat = Flat("train:\n  lr: 1e-3\n  tag: '42'\nepochs: 10\n", "params.yaml");

        // Then the plain number parses and the quoted one stays a string
        Assert.Equal(0.001, flat.Values["train.lr"].Number);
        Assert.Null(flat.Values["train.tag"].Number);
        Assert.Equal(10, flat.Values["epochs"].Number);
    }

    [Theory]
    [InlineData("{\"a\": 1,\n \"b\": }", "metrics.json", "line 2")]
    [InlineData("a: 1\nb: 2\n  c: 3\n", "params.yaml", "line 3")]
    [InlineData("a: [1, 2\nb: 3\n", "params.yaml", "unterminated")]
    public void Flatten_Malformed_NamesFileAndLine(string text, string name, string position)
    {
        // When a malformed file is flattened
        var ex = Assert.Throws<GitMlException>(() => Flat(text, name + " at HEAD"));

        // Then the error names the file, the rev and the position, with the InvalidInput code
        Assert.Contains(name + " at HEAD", ex.Message);
        Assert.Contains(position, ex.Message);
        Assert.Equal(ExitCode.InvalidInput, ex.ExitCode);
    }

    [Theory]
    [InlineData(0.123456789, 5, "0.12346")]
    [InlineData(0.1, 5, "0.1")]
    [InlineData(123456.789, 5, "123457")]
    [InlineData(12.3456, 3, "12.3")]
    [InlineData(100.0, 2, "100")]
    [InlineData(-0.000012345, 3, "-1.23e-5")]
    [InlineData(0.0, 5, "0")]
    [InlineData(2.5e-4, 5, "0.00025")]
    public void Format_SignificantDigits(double value, int precision, string expected)
    {
        Assert.Equal(expected, NumberFormat.Format(value, precision));
    }

    [Theory]
    [InlineData("higher", 0.90, 0.93, 0.005, null, Verdict.Improved)]
    [InlineData("higher", 0.93, 0.90, 0.005, null, Verdict.Regressed)]
    [InlineData("higher", 0.900, 0.903, 0.005, null, Verdict.WithinTolerance)]
    [InlineData("higher", 0.900, 0.897, 0.005, null, Verdict.WithinTolerance)]
    [InlineData("lower", 0.50, 0.40, null, 0.02, Verdict.Improved)]
    [InlineData("lower", 0.40, 0.50, null, 0.02, Verdict.Regressed)]
    [InlineData("lower", 0.500, 0.509, null, 0.02, Verdict.WithinTolerance)]
    [InlineData("lower", 0.500, 0.511, null, 0.02, Verdict.Regressed)]
    [InlineData("lower", 1.0, 1.0, null, null, Verdict.WithinTolerance)]
    [InlineData("higher", 1.0, 1.0001, null, null, Verdict.Improved)]
    public void Judge_BothDirectionsAndTolerances(string better, double old, double @new, double? tol, double? rel, Verdict expected)
    {
        // Given a policy with an absolute or relative tolerance
        var policy = new MetricPolicy("m", better, tol, rel);

        // When a change is judged / Then the verdict follows direction and tolerance
        Assert.Equal(expected, Verdicts.Judge(policy, old, @new));
    }

    [Fact]
    public void Judge_NoPolicyOrMissingSide()
    {
        Assert.Equal(Verdict.NoPolicy, Verdicts.Judge(null, 1, 2));
        Assert.Equal(Verdict.NotComparable, Verdicts.Judge(new MetricPolicy("m", "higher", null, null), null, 2));
    }

    [Fact]
    public void FindPolicy_PathQualifiedKeyWinsOverBareKey()
    {
        var policies = new Dictionary<string, MetricPolicy>
        {
            ["acc"] = new("acc", "higher", null, null),
            ["eval.json:acc"] = new("eval.json:acc", "lower", null, null),
        };
        Assert.Equal("lower", Verdicts.FindPolicy(policies, "eval.json", "acc")!.Better);
        Assert.Equal("higher", Verdicts.FindPolicy(policies, "metrics.json", "acc")!.Better);
    }

    [Fact]
    public void DataTable_TsvWithTornLastLineAndText_SkipsAndCounts()
    {
        // Given a TSV whose last line was torn by an interrupted append, and a non-numeric cell
        var bytes = Encoding.UTF8.GetBytes("step\tloss\n0\t1.0\n1\tnan?\n2\t0.5\n3");

        // When parsed and the loss column read
        var table = DataTable.Parse(bytes, "loss.tsv", "loss.tsv at HEAD");
        var (values, skipped) = table.Numeric("loss");

        // Then the torn line is skipped as malformed, the text cell is skipped, and the numbers are kept
        Assert.Equal(1, table.MalformedRows);
        Assert.Equal(1, skipped);
        Assert.Equal([1.0, 0.5], values.Select(v => v.Value));
    }

    [Fact]
    public void ReadFlat_SameBlobAtManyCommits_ParsedOnce()
    {
        // Given 4 commits where metrics.json changes only once
        using var repo = GitMl.Testing.TempGitRepo.Create();
        repo.Write("metrics.json", "{\"a\": 1}");
        repo.CommitAll("1");
        repo.Write("other.txt", "x");
        repo.CommitAll("2");
        repo.Write("other.txt", "y");
        repo.CommitAll("3");
        repo.Write("metrics.json", "{\"a\": 2}");
        repo.CommitAll("4");
        using var gm = GitMlRepository.Init(repo.Root);
        var source = new RevisionSource(gm.Git, gm.WorkDir);

        // When the file is read at every commit
        var values = new[] { "HEAD~3", "HEAD~2", "HEAD~1", "HEAD" }.Select(r => source.ReadFlat(source.Resolve(r), "metrics.json")!.Values["a"].Number).ToList();

        // Then the values are right and each distinct blob was parsed once
        Assert.Equal([1.0, 1.0, 1.0, 2.0], values.Select(v => v!.Value));
        Assert.Equal(2, source.FlattenCount);
    }

    [Fact]
    public void DataTable_UnknownColumn_NamesFileAndColumns()
    {
        var table = DataTable.Parse(Encoding.UTF8.GetBytes("[{\"step\": 0, \"acc\": 0.5}]"), "a.json", "a.json at HEAD");
        var ex = Assert.Throws<GitMlException>(() => table.Numeric("loss"));
        Assert.Contains("a.json at HEAD", ex.Message);
        Assert.Contains("columns: step, acc", ex.Message);
    }
}
