"""Explicit ``<8 x double>`` vectors for Numba kernels (LLVM vector type and intrinsics).

Numba's auto-vectoriser splits a dot product into partial sums in an order it
chooses and reads unaligned vectors, half of which straddle two cache lines (two
loads each on x86). These intrinsics let the ``numba-sinc`` kernels say exactly
what they mean instead:

* :data:`f64x8` — eight float64 lanes, one 512-bit register on AVX-512 (two or
  four on narrower machines: LLVM splits it, the results are the same);
* :func:`vload` / :func:`vstore` — eight consecutive elements of a contiguous
  1-D float64 array (unaligned accesses allowed; ``vstore`` also rounds into
  float32);
* :func:`vfma` — ``a * b + c`` rounded once per lane (``llvm.fma``): fused on
  every target, so a kernel's results do not depend on the compiler's choice
  to contract or not;
* :func:`vsum` — the lanes' sum in a fixed order (halves, then halves again);
  :func:`vsum8` — the sums of eight vectors, each in that same order, as one
  vector (a transpose folded into the additions: 2.6 instead of 6 operations
  per sum);
* :func:`vsplat`, :func:`vzero`, :func:`vget`, :func:`vadd`, and
  :func:`vzip_lo` / :func:`vzip_hi` to interleave two vectors.

Vectors are values (registers, or the stack when LLVM spills them): never put
one in a list or an array, whose memory is not aligned for it.

A sum accumulated with :func:`vfma` lane by lane is a plain sequential chain
per lane, and :func:`vsum` adds lanes in one fixed order, so a result's bits
do not depend on which lane, group or code path computes it.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic, models, register_model

__all__ = [
    "f64x8",
    "vadd",
    "vfma",
    "vget",
    "vload",
    "vsplat",
    "vstore",
    "vsum",
    "vsum8",
    "vzero",
    "vzip_hi",
    "vzip_lo",
]

_VEC = ir.VectorType(ir.DoubleType(), 8)
_I32 = ir.IntType(32)
_VEC32 = ir.VectorType(ir.FloatType(), 8)
_FLOATS = (types.float32, types.float64)


class F64x8(types.Type):
    """Numba type of eight float64 lanes."""

    def __init__(self) -> None:
        super().__init__(name="f64x8")


f64x8 = F64x8()


@register_model(F64x8)
class _F64x8Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type) -> None:
        super().__init__(dmm, fe_type, _VEC)


def _element_pointer(context, builder, arrty, arr, index):
    data = context.make_array(arrty)(context, builder, arr).data
    return builder.gep(data, [index], inbounds=True)


def _check_1d(arr) -> bool:
    return isinstance(arr, types.Array) and arr.ndim == 1 and arr.dtype == types.float64


@intrinsic
def vload(typingctx, arr, index):
    """``arr[index : index + 8]`` of a contiguous 1-D float64 array."""
    if not _check_1d(arr):
        return None

    def codegen(context, builder, signature, args):
        ptr = _element_pointer(context, builder, signature.args[0], *args)
        return builder.load(builder.bitcast(ptr, _VEC.as_pointer()), align=8)

    return f64x8(arr, index), codegen


@intrinsic
def vstore(typingctx, arr, index, v):
    """``arr[index : index + 8] = v`` (a contiguous 1-D float64 or float32 array)."""
    if not (isinstance(arr, types.Array) and arr.ndim == 1 and arr.dtype in _FLOATS):
        return None

    def codegen(context, builder, signature, args):
        ptr = _element_pointer(context, builder, signature.args[0], args[0], args[1])
        value = args[2]
        if signature.args[0].dtype == types.float32:
            value = builder.fptrunc(value, _VEC32)
        builder.store(value, builder.bitcast(ptr, value.type.as_pointer()), align=4)
        return context.get_dummy_value()

    return types.void(arr, index, v), codegen


@intrinsic
def vzero(typingctx):
    """Eight zeros."""

    def codegen(context, builder, signature, args):
        return ir.Constant(_VEC, [0.0] * 8)

    return f64x8(), codegen


@intrinsic
def vsplat(typingctx, x):
    """``x`` in every lane."""

    def codegen(context, builder, signature, args):
        value = context.cast(builder, args[0], signature.args[0], types.float64)
        one = builder.insert_element(ir.Constant(_VEC, ir.Undefined), value, ir.Constant(_I32, 0))
        mask = ir.Constant(ir.VectorType(_I32, 8), [0] * 8)
        return builder.shuffle_vector(one, ir.Constant(_VEC, ir.Undefined), mask)

    return f64x8(x), codegen


@intrinsic
def vfma(typingctx, a, b, c):
    """``a * b + c`` per lane, rounded once."""

    def codegen(context, builder, signature, args):
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(_VEC, [_VEC, _VEC, _VEC]), "llvm.fma.v8f64"
        )
        return builder.call(fn, args)

    return f64x8(a, b, c), codegen


@intrinsic
def vadd(typingctx, a, b):
    """``a + b`` per lane."""

    def codegen(context, builder, signature, args):
        return builder.fadd(*args)

    return f64x8(a, b), codegen


@intrinsic
def vget(typingctx, v, lane):
    """Lane ``lane`` of ``v`` as a float64."""

    def codegen(context, builder, signature, args):
        index = builder.trunc(args[1], _I32) if args[1].type.width > 32 else args[1]
        return builder.extract_element(args[0], index)

    return types.float64(v, lane), codegen


def _zip_codegen(first: int):
    """Interleave lanes ``first .. first + 3`` of two vectors."""

    def codegen(context, builder, signature, args):
        lanes = [first + i // 2 + (8 if i % 2 else 0) for i in range(8)]
        mask = ir.Constant(ir.VectorType(_I32, 8), lanes)
        return builder.shuffle_vector(args[0], args[1], mask)

    return codegen


@intrinsic
def vzip_lo(typingctx, a, b):
    """``a0, b0, a1, b1, a2, b2, a3, b3``."""
    return f64x8(a, b), _zip_codegen(0)


@intrinsic
def vzip_hi(typingctx, a, b):
    """``a4, b4, a5, b5, a6, b6, a7, b7``."""
    return f64x8(a, b), _zip_codegen(4)


@intrinsic
def vsum(typingctx, v):
    """``((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7))``: the lanes' sum, fixed order."""

    def codegen(context, builder, signature, args):
        def lanes(x, idx):
            mask = ir.Constant(ir.VectorType(_I32, len(idx)), idx)
            return builder.shuffle_vector(x, ir.Constant(x.type, ir.Undefined), mask)

        four = builder.fadd(lanes(args[0], [0, 1, 2, 3]), lanes(args[0], [4, 5, 6, 7]))
        two = builder.fadd(lanes(four, [0, 1]), lanes(four, [2, 3]))
        first = builder.extract_element(two, ir.Constant(_I32, 0))
        return builder.fadd(first, builder.extract_element(two, ir.Constant(_I32, 1)))

    return types.float64(v), codegen


@intrinsic
def vsum8(typingctx, v0, v1, v2, v3, v4, v5, v6, v7):
    """``[vsum(v0), ..., vsum(v7)]``, each added in :func:`vsum`'s order."""

    def codegen(context, builder, signature, args):
        def pick(a, b, idx):
            return builder.shuffle_vector(a, b, ir.Constant(ir.VectorType(_I32, 8), idx))

        def fold(a, b, low, high):
            return builder.fadd(pick(a, b, low), pick(a, b, high))

        # lanes of a and b: 0-7 and 8-15; each step adds pairs of partial sums
        # the way vsum does, keeping the partial sums of two inputs per vector
        halves = [
            fold(args[i], args[i + 1], [0, 1, 2, 3, 8, 9, 10, 11], [4, 5, 6, 7, 12, 13, 14, 15])
            for i in range(0, 8, 2)
        ]  # [x0+x4, x1+x5, x2+x6, x3+x7] of two inputs each
        quarters = [
            fold(halves[i], halves[i + 1], [0, 1, 4, 5, 8, 9, 12, 13], [2, 3, 6, 7, 10, 11, 14, 15])
            for i in range(0, 4, 2)
        ]  # [(x0+x4)+(x2+x6), (x1+x5)+(x3+x7)] of four inputs each
        return fold(
            quarters[0], quarters[1], [0, 2, 4, 6, 8, 10, 12, 14], [1, 3, 5, 7, 9, 11, 13, 15]
        )

    return f64x8(v0, v1, v2, v3, v4, v5, v6, v7), codegen
