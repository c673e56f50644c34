using Google.Protobuf;

namespace GitMl.Serving.Tests;

/// <summary>
/// Writes small ONNX models by hand (protobuf field numbers from onnx.proto), so tests need no model download.
/// </summary>
internal static class OnnxModelBuilder
{
    public const int Float = 1;
    public const int Int32 = 6;
    public const int Int64 = 7;
    public const int Bool = 9;
    public const int Double = 11;

    /// <summary>y[N,2] = x[N,3] · W + b, with a dynamic batch dimension N (or a fixed batch when given).</summary>
    public static byte[] Linear(float[] w, float[] b, long? fixedBatch = null) => Model(
        nodes: [Node("MatMul", ["x", "W"], ["xw"]), Node("Add", ["xw", "B"], ["y"])],
        initializers: [Tensor("W", Float, [3, 2], Floats(w)), Tensor("B", Float, [2], Floats(b))],
        inputs: [Value("x", Float, [fixedBatch is null ? null : fixedBatch, 3])],
        outputs: [Value("y", Float, [fixedBatch, 2])]);

    /// <summary>Two inputs a, b (FP32 [N,2]) and two outputs: sum = a + b, product = a * b.</summary>
    public static byte[] TwoInputs() => Model(
        nodes: [Node("Add", ["a", "b"], ["sum"]), Node("Mul", ["a", "b"], ["product"])],
        initializers: [],
        inputs: [Value("a", Float, [null, 2]), Value("b", Float, [null, 2])],
        outputs: [Value("sum", Float, [null, 2]), Value("product", Float, [null, 2])]);

    /// <summary>One input per datatype, each doubled (BOOL negated): i64, i32, f64, flag.</summary>
    public static byte[] Types() => Model(
        nodes: [Node("Add", ["i64", "i64"], ["i64_out"]), Node("Add", ["i32", "i32"], ["i32_out"]), Node("Add", ["f64", "f64"], ["f64_out"]), Node("Not", ["flag"], ["flag_out"])],
        initializers: [],
        inputs: [Value("i64", Int64, [null, 2]), Value("i32", Int32, [null, 2]), Value("f64", Double, [null, 2]), Value("flag", Bool, [null, 2])],
        outputs: [Value("i64_out", Int64, [null, 2]), Value("i32_out", Int32, [null, 2]), Value("f64_out", Double, [null, 2]), Value("flag_out", Bool, [null, 2])]);

    private static byte[] Model(byte[][] nodes, byte[][] initializers, byte[][] inputs, byte[][] outputs)
    {
        var graph = Message(w =>
        {
            foreach (var n in nodes)
            {
                Bytes(w, 1, n);
            }

            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteString("gitml-test");
            foreach (var t in initializers)
            {
                Bytes(w, 5, t);
            }

            foreach (var i in inputs)
            {
                Bytes(w, 11, i);
            }

            foreach (var o in outputs)
            {
                Bytes(w, 12, o);
            }
        });
        return Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteInt64(8); // ir_version
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteString("gitml-tests");
            Bytes(w, 7, graph);
            Bytes(w, 8, Message(o =>
            {
                o.WriteTag(2, WireFormat.WireType.Varint);
                o.WriteInt64(13); // opset version, default domain
            }));
        });
    }

    private static byte[] Node(string op, string[] inputs, string[] outputs) => Message(w =>
    {
        foreach (var i in inputs)
        {
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString(i);
        }

        foreach (var o in outputs)
        {
            w.WriteTag(2, WireFormat.WireType.LengthDelimited);
            w.WriteString(o);
        }

        w.WriteTag(4, WireFormat.WireType.LengthDelimited);
        w.WriteString(op);
    });

    private static byte[] Tensor(string name, int type, long[] dims, byte[] raw) => Message(w =>
    {
        foreach (var d in dims)
        {
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteInt64(d);
        }

        w.WriteTag(2, WireFormat.WireType.Varint);
        w.WriteInt32(type);
        w.WriteTag(8, WireFormat.WireType.LengthDelimited);
        w.WriteString(name);
        w.WriteTag(9, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(raw));
    });

    /// <summary>ValueInfoProto; a null dim is the symbolic batch dimension "N".</summary>
    private static byte[] Value(string name, int type, long?[] dims)
    {
        var shape = Message(w =>
        {
            foreach (var d in dims)
            {
                Bytes(w, 1, Message(dw =>
                {
                    if (d is { } v)
                    {
                        dw.WriteTag(1, WireFormat.WireType.Varint);
                        dw.WriteInt64(v);
                    }
                    else
                    {
                        dw.WriteTag(2, WireFormat.WireType.LengthDelimited);
                        dw.WriteString("N");
                    }
                }));
            }
        });
        var tensorType = Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.Varint);
            w.WriteInt32(type);
            Bytes(w, 2, shape);
        });
        var typeProto = Message(w => Bytes(w, 1, tensorType));
        return Message(w =>
        {
            w.WriteTag(1, WireFormat.WireType.LengthDelimited);
            w.WriteString(name);
            Bytes(w, 2, typeProto);
        });
    }

    private static byte[] Floats(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    private static void Bytes(CodedOutputStream w, int field, byte[] bytes)
    {
        w.WriteTag(field, WireFormat.WireType.LengthDelimited);
        w.WriteBytes(ByteString.CopyFrom(bytes));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var ms = new MemoryStream();
        var w = new CodedOutputStream(ms);
        write(w);
        w.Flush();
        return ms.ToArray();
    }
}
