using System.Numerics;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace GitMl.Serving.Inference;

/// <summary>Open Inference Protocol datatype names and their ONNX element types.</summary>
public static class OipDatatype
{
    /// <summary>The OIP name of an ONNX element type, or null when it is not served.</summary>
    public static string? FromOnnx(TensorElementType t) => t switch
    {
        TensorElementType.Bool => "BOOL",
        TensorElementType.UInt8 => "UINT8",
        TensorElementType.Int8 => "INT8",
        TensorElementType.Int16 => "INT16",
        TensorElementType.Int32 => "INT32",
        TensorElementType.Int64 => "INT64",
        TensorElementType.Float => "FP32",
        TensorElementType.Double => "FP64",
        _ => null,
    };
}

/// <summary>
/// A tensor as the server handles it: shape plus one flat, row-major typed array. Kept as arrays (not spans) so
/// requests can be concatenated into batches and handed to ONNX Runtime without another copy.
/// </summary>
public sealed class TensorData
{
    /// <summary>Creates a tensor over <paramref name="data"/> (an array of the element type).</summary>
    public TensorData(TensorElementType elementType, long[] shape, Array data)
    {
        ElementType = elementType;
        Shape = shape;
        Data = data;
    }

    /// <summary>Element type.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Shape.</summary>
    public long[] Shape { get; }

    /// <summary>Flat data: float[], double[], int[], long[], short[], sbyte[], byte[] or bool[].</summary>
    public Array Data { get; }

    /// <summary>Number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>Allocates a flat array for <paramref name="type"/>.</summary>
    public static Array Allocate(TensorElementType type, int length) => type switch
    {
        TensorElementType.Float => new float[length],
        TensorElementType.Double => new double[length],
        TensorElementType.Int32 => new int[length],
        TensorElementType.Int64 => new long[length],
        TensorElementType.Int16 => new short[length],
        TensorElementType.Int8 => new sbyte[length],
        TensorElementType.UInt8 => new byte[length],
        TensorElementType.Bool => new bool[length],
        _ => throw new NotSupportedException($"element type {type}"),
    };

    /// <summary>Wraps the array as an ONNX Runtime value (pinned, no copy).</summary>
    public OrtValue ToOrtValue() => Data switch
    {
        float[] a => OrtValue.CreateTensorValueFromMemory(a, Shape),
        double[] a => OrtValue.CreateTensorValueFromMemory(a, Shape),
        int[] a => OrtValue.CreateTensorValueFromMemory(a, Shape),
        long[] a => OrtValue.CreateTensorValueFromMemory(a, Shape),
        short[] a => OrtValue.CreateTensorValueFromMemory(a, Shape),
        sbyte[] a => OrtValue.CreateTensorValueFromMemory(a, Shape),
        byte[] a => OrtValue.CreateTensorValueFromMemory(a, Shape),
        bool[] a => OrtValue.CreateTensorValueFromMemory(a, Shape),
        _ => throw new NotSupportedException(Data.GetType().Name),
    };

    /// <summary>Copies an ONNX Runtime output into managed memory.</summary>
    public static TensorData FromOrtValue(OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var type = info.ElementDataType;
        Array data = type switch
        {
            TensorElementType.Float => value.GetTensorDataAsSpan<float>().ToArray(),
            TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
            TensorElementType.Int32 => value.GetTensorDataAsSpan<int>().ToArray(),
            TensorElementType.Int64 => value.GetTensorDataAsSpan<long>().ToArray(),
            TensorElementType.Int16 => value.GetTensorDataAsSpan<short>().ToArray(),
            TensorElementType.Int8 => value.GetTensorDataAsSpan<sbyte>().ToArray(),
            TensorElementType.UInt8 => value.GetTensorDataAsSpan<byte>().ToArray(),
            TensorElementType.Bool => value.GetTensorDataAsSpan<bool>().ToArray(),
            _ => throw new NotSupportedException($"output element type {type}"),
        };
        return new TensorData(type, info.Shape, data);
    }

    /// <summary>Concatenates tensors along dimension 0 (all other dimensions equal).</summary>
    public static TensorData Concat(IReadOnlyList<TensorData> parts)
    {
        if (parts.Count == 1)
        {
            return parts[0];
        }

        var first = parts[0];
        var total = parts.Sum(p => p.Length);
        var data = Allocate(first.ElementType, total);
        var offset = 0;
        foreach (var p in parts)
        {
            Array.Copy(p.Data, 0, data, offset, p.Length);
            offset += p.Length;
        }

        var shape = (long[])first.Shape.Clone();
        shape[0] = parts.Sum(p => p.Shape[0]);
        return new TensorData(first.ElementType, shape, data);
    }

    /// <summary>Rows <paramref name="start"/>..start+count along dimension 0.</summary>
    public TensorData SliceRows(long start, long count)
    {
        if (start == 0 && count == Shape[0])
        {
            return this;
        }

        var rowSize = Shape[0] == 0 ? 0 : Length / Shape[0];
        var data = Allocate(ElementType, (int)(rowSize * count));
        Array.Copy(Data, start * rowSize, data, 0, rowSize * count);
        var shape = (long[])Shape.Clone();
        shape[0] = count;
        return new TensorData(ElementType, shape, data);
    }

    /// <summary>Count, sum, min and max of the elements as doubles (for drift statistics).</summary>
    public void Summarize(out long count, out double sum, out double min, out double max)
    {
        count = Length;
        sum = 0;
        min = double.PositiveInfinity;
        max = double.NegativeInfinity;
        switch (Data)
        {
            case float[] f:
                SummarizeFloats(f, ref sum, ref min, ref max);
                break;
            case double[] d:
                SummarizeNumbers<double>(d, ref sum, ref min, ref max);
                break;
            case int[] n:
                SummarizeNumbers<int>(n, ref sum, ref min, ref max);
                break;
            case long[] l:
                SummarizeNumbers<long>(l, ref sum, ref min, ref max);
                break;
            case bool[] b:
                foreach (var v in b)
                {
                    var x = v ? 1.0 : 0.0;
                    sum += x;
                    min = Math.Min(min, x);
                    max = Math.Max(max, x);
                }

                break;
            default:
                for (var i = 0; i < Length; i++)
                {
                    var x = Convert.ToDouble(Data.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
                    sum += x;
                    min = Math.Min(min, x);
                    max = Math.Max(max, x);
                }

                break;
        }
    }

    private static void SummarizeNumbers<T>(ReadOnlySpan<T> values, ref double sum, ref double min, ref double max)
        where T : INumberBase<T>
    {
        foreach (var v in values)
        {
            var x = double.CreateTruncating(v);
            sum += x;
            min = Math.Min(min, x);
            max = Math.Max(max, x);
        }
    }

    // Drift statistics run on every request, so the common FP32 case is vectorized: widened to doubles for the sum
    // (the scalar loop summed in double too), min and max lane-wise.
    private static void SummarizeFloats(float[] values, ref double sum, ref double min, ref double max)
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && values.Length >= Vector<float>.Count * 2)
        {
            var vmin = new Vector<float>(float.PositiveInfinity);
            var vmax = new Vector<float>(float.NegativeInfinity);
            var vsum = Vector<double>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values, i);
                vmin = Vector.Min(vmin, v);
                vmax = Vector.Max(vmax, v);
                Vector.Widen(v, out var lo, out var hi);
                vsum += lo + hi;
            }

            for (var k = 0; k < Vector<float>.Count; k++)
            {
                min = Math.Min(min, vmin[k]);
                max = Math.Max(max, vmax[k]);
            }

            sum += Vector.Sum(vsum);
        }

        for (; i < values.Length; i++)
        {
            sum += values[i];
            min = Math.Min(min, values[i]);
            max = Math.Max(max, values[i]);
        }
    }

    /// <summary>Bytes per element of <paramref name="type"/> in the OIP binary tensor format (BOOL: one byte).</summary>
    public static int ElementSize(TensorElementType type) => type switch
    {
        TensorElementType.Float or TensorElementType.Int32 => 4,
        TensorElementType.Double or TensorElementType.Int64 => 8,
        TensorElementType.Int16 => 2,
        TensorElementType.Int8 or TensorElementType.UInt8 or TensorElementType.Bool => 1,
        _ => throw new NotSupportedException($"element type {type}"),
    };

    /// <summary>
    /// A tensor from raw little-endian bytes (the OIP binary tensor extension). BOOL bytes are normalized to 0/1 so a
    /// hostile byte never becomes an invalid .NET bool.
    /// </summary>
    public static TensorData FromBytes(TensorElementType type, long[] shape, ReadOnlySpan<byte> bytes)
    {
        var data = Allocate(type, bytes.Length / ElementSize(type));
        if (data is bool[] flags)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                flags[i] = bytes[i] != 0;
            }
        }
        else
        {
            bytes.CopyTo(new TensorData(type, shape, data).WritableBytes());
        }

        return new TensorData(type, shape, data);
    }

    private Span<byte> WritableBytes() => Data switch
    {
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        short[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        byte[] a => a,
        bool[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        _ => throw new NotSupportedException(Data.GetType().Name),
    };

    /// <summary>Byte view of the data (the OIP binary tensor format; also for hashing and comparisons in tests).</summary>
    public ReadOnlySpan<byte> AsBytes() => Data switch
    {
        float[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        double[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        int[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        long[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        short[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        sbyte[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        byte[] a => a,
        bool[] a => MemoryMarshal.AsBytes(a.AsSpan()),
        _ => throw new NotSupportedException(Data.GetType().Name),
    };
}
