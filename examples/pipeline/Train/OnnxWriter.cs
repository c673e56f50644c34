using Google.Protobuf;

namespace GitMl.Examples.Train;

/// <summary>
/// Writes a logistic-regression model as an ONNX <c>ModelProto</c> with <see cref="CodedOutputStream"/>, using the field
/// numbers of onnx.proto (no generated classes needed). Graph: <c>probability = Sigmoid(MatMul(features, W) + B)</c>,
/// input <c>features</c> float[N, F], output <c>probability</c> float[N, 1]; IR version 8, opset 13.
/// </summary>
public static class OnnxWriter
{
    private const int FloatType = 1; // TensorProto.DataType.FLOAT

    /// <summary>The model bytes for weights <paramref name="w"/> (one per feature) and bias <paramref name="b"/>.</summary>
    public static byte[] LogisticRegression(float[] w, float b)
    {
        var graph = Message(g =>
        {
            g.Bytes(1, Node("MatMul", "matmul", ["features", "W"], ["logit_raw"]));
            g.Bytes(1, Node("Add", "add", ["logit_raw", "B"], ["logit"]));
            g.Bytes(1, Node("Sigmoid", "sigmoid", ["logit"], ["probability"]));
            g.String(2, "logistic_regression");
            g.Bytes(5, Tensor("W", [w.Length, 1], w));
            g.Bytes(5, Tensor("B", [1], [b]));
            g.Bytes(11, ValueInfo("features", [null, w.Length]));
            g.Bytes(12, ValueInfo("probability", [null, 1]));
        });

        return Message(m =>
        {
            m.Int64(1, 8);                                     // ir_version
            m.String(2, "gitml-example-train");                // producer_name
            m.String(3, "1.0");                                // producer_version
            m.Bytes(7, graph);                                 // graph
            m.Bytes(8, Message(o => { o.String(1, string.Empty); o.Int64(2, 13); })); // opset_import: default domain, 13
        });
    }

    private static byte[] Node(string op, string name, string[] inputs, string[] outputs) => Message(n =>
    {
        foreach (var i in inputs)
        {
            n.String(1, i);
        }

        foreach (var o in outputs)
        {
            n.String(2, o);
        }

        n.String(3, name);
        n.String(4, op);
    });

    private static byte[] Tensor(string name, long[] dims, float[] values) => Message(t =>
    {
        foreach (var d in dims)
        {
            t.Int64(1, d);
        }

        t.Int64(2, FloatType);
        t.PackedFloats(4, values);
        t.String(8, name);
    });

    private static byte[] ValueInfo(string name, long?[] shape)
    {
        var dims = Message(s =>
        {
            foreach (var d in shape)
            {
                s.Bytes(1, Message(dim =>
                {
                    if (d is long v)
                    {
                        dim.Int64(1, v);
                    }
                    else
                    {
                        dim.String(2, "N");
                    }
                }));
            }
        });
        var tensorType = Message(t => { t.Int64(1, FloatType); t.Bytes(2, dims); });
        var type = Message(t => t.Bytes(1, tensorType));
        return Message(v => { v.String(1, name); v.Bytes(2, type); });
    }

    private static byte[] Message(Action<Writer> build)
    {
        using var ms = new MemoryStream();
        using (var cos = new CodedOutputStream(ms, leaveOpen: true))
        {
            build(new Writer(cos));
            cos.Flush();
        }

        return ms.ToArray();
    }

    private readonly struct Writer(CodedOutputStream s)
    {
        public void Int64(int field, long value)
        {
            s.WriteTag(field, WireFormat.WireType.Varint);
            s.WriteInt64(value);
        }

        public void String(int field, string value)
        {
            s.WriteTag(field, WireFormat.WireType.LengthDelimited);
            s.WriteString(value);
        }

        public void Bytes(int field, byte[] value)
        {
            s.WriteTag(field, WireFormat.WireType.LengthDelimited);
            s.WriteBytes(ByteString.CopyFrom(value));
        }

        public void PackedFloats(int field, float[] values)
        {
            s.WriteTag(field, WireFormat.WireType.LengthDelimited);
            s.WriteLength(values.Length * 4);
            foreach (var v in values)
            {
                s.WriteFloat(v);
            }
        }
    }
}
