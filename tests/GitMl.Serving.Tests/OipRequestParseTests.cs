using System.Text;
using GitMl.Serving.Http;
using GitMl.Serving.Inference;
using GitMl.Serving.Monitoring;

namespace GitMl.Serving.Tests;

/// <summary>The request parser in-process: the flat-array fast path and the element-by-element path agree.</summary>
public sealed class OipRequestParseTests : IDisposable
{
    private readonly LoadedModel _types = Load("types", OnnxModelBuilder.Types());
    private readonly LoadedModel _linear = Load("linear", OnnxModelBuilder.Linear(ServingRepo.W1, ServingRepo.B1));

    public void Dispose()
    {
        _types.Release();
        _linear.Release();
    }

    [Fact]
    public void Parse_FlatAndNestedDataOfEveryType_GiveIdenticalTensors()
    {
        // Given the same values for every datatype written flat (with odd whitespace and exponents) and nested
        const string Flat = """
            {"inputs":[
              {"name":"i64","shape":[2,2],"datatype":"INT64","data":[ 9223372036854775807 ,-9223372036854775808,
                 0,  -1 ]},
              {"name":"i32","shape":[2,2],"datatype":"INT32","data":[2147483647,-2147483648,0,	7]},
              {"name":"f64","shape":[2,2],"datatype":"FP64","data":[1e-300,-2.5E+10,0.1,1.7976931348623157e308]},
              {"name":"flag","shape":[2,2],"datatype":"BOOL","data":[true,false,false,true]}]}
            """;
        const string Nested = """
            {"inputs":[
              {"name":"i64","shape":[2,2],"datatype":"INT64","data":[[9223372036854775807,-9223372036854775808],[0,-1]]},
              {"name":"i32","shape":[2,2],"datatype":"INT32","data":[[2147483647,-2147483648],[0,7]]},
              {"name":"f64","shape":[2,2],"datatype":"FP64","data":[[1e-300,-2.5E+10],[0.1,1.7976931348623157e308]]},
              {"name":"flag","shape":[2,2],"datatype":"BOOL","data":[[true,false],[false,true]]}]}
            """;

        // When both are parsed
        var flat = OipRequest.Parse(Encoding.UTF8.GetBytes(Flat), _types);
        var nested = OipRequest.Parse(Encoding.UTF8.GetBytes(Nested), _types);

        // Then every tensor has the same bytes, and the values are the ones written
        foreach (var name in new[] { "i64", "i32", "f64", "flag" })
        {
            Assert.Equal(nested.Inputs[name].AsBytes().ToArray(), flat.Inputs[name].AsBytes().ToArray());
        }

        Assert.Equal([long.MaxValue, long.MinValue, 0, -1], (long[])flat.Inputs["i64"].Data);
        Assert.Equal([1e-300, -2.5e10, 0.1, double.MaxValue], (double[])flat.Inputs["f64"].Data);
    }

    [Fact]
    public void Parse_FlatFloats_MatchSystemTextJsonDigitForDigit()
    {
        // Given floats written with the shortest round-trip text, plus exponent forms
        var values = Enumerable.Range(0, 300).Select(i => (float)(Math.Sin(i) * Math.Pow(10, i % 20 - 10))).ToArray();
        var text = string.Join(",", values.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        var body = $"{{\"inputs\":[{{\"name\":\"x\",\"shape\":[100,3],\"datatype\":\"FP32\",\"data\":[{text}]}}]}}";

        // When the body is parsed
        var parsed = OipRequest.Parse(Encoding.UTF8.GetBytes(body), _linear);

        // Then every value round-trips exactly
        Assert.Equal(values, (float[])parsed.Inputs["x"].Data);
    }

    [Theory]
    [InlineData("i32", "INT32", "[1.5,2,3,4]", "value 1.5 at index 0 is not a valid INT32")]
    [InlineData("i32", "INT32", "[1,2,3,2147483648]", "value 2147483648 at index 3 is not a valid INT32")]
    [InlineData("i64", "INT64", "[1,2,3,1e2]", "value 1e2 at index 3 is not a valid INT64")]
    [InlineData("f64", "FP64", "[1,2,3,1e999]", "value 1e999 at index 3 is not a valid FP64")]
    [InlineData("f64", "FP64", "[1,2,\"3\",4]", "value \"3\" at index 2 is not a valid FP64")]
    [InlineData("f64", "FP64", "[1,2,3,null]", "value null at index 3 is not a valid FP64")]
    [InlineData("i32", "INT32", "[1,2,3,4,5]", "more values than shape [2, 2] holds")]
    [InlineData("i32", "INT32", "[1,2,3]", "has 3 values but shape [2, 2] needs 4")]
    [InlineData("i32", "INT32", "[]", "has 0 values but shape [2, 2] needs 4")]
    public void Parse_FlatDataWithABadValue_Is400NamingValueAndIndex(string input, string datatype, string data, string expected)
    {
        // Given a body whose flat data has one value the datatype cannot hold (the others are valid)
        var inputs = new[] { ("i64", "INT64", "[1,2,3,4]"), ("i32", "INT32", "[1,2,3,4]"), ("f64", "FP64", "[1,2,3,4]"), ("flag", "BOOL", "[true,true,true,true]") }
            .Select(i => i.Item1 == input ? (input, datatype, data) : i)
            .Select(i => $"{{\"name\":\"{i.Item1}\",\"shape\":[2,2],\"datatype\":\"{i.Item2}\",\"data\":{i.Item3}}}");
        var body = "{\"inputs\":[" + string.Join(",", inputs) + "]}";

        // When it is parsed
        var ex = Assert.Throws<InferenceException>(() => OipRequest.Parse(Encoding.UTF8.GetBytes(body), _types));

        // Then it is a 400 that names the value and where it is
        Assert.Equal(400, ex.StatusCode);
        Assert.Contains(expected, ex.Message);
    }

    private static LoadedModel Load(string name, byte[] bytes) =>
        new(new ModelIdentity(name, name, new string('c', 40), new string('a', 64), bytes.Length, null), bytes, new ServingOptions { MaxBatchSize = 1 }, new ServingMetrics(name));
}
