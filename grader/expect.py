"""Tensor-aware assertions for check authors, with messages a learner understands.

Each helper raises AssertionError saying what was expected, what came back and, when given
`why=`, what that usually means, in English and Chinese (`grader.bilingual`): `name=` and `why=` are
plain text (code, the same in both languages) or `both(en, zh)`. Values are compared with
assert_close's default tolerances.

    from grader import expect
    from grader.bilingual import both
    expect.matches(out, ref, name="linear_forward(x, w, b)",
                   why=both("b adds to every row", "b 要加到每一行上"))   # type, shape, dtype, device, values
"""

from __future__ import annotations

import torch

from grader.bilingual import Bilingual, Text, both, in_language, sentence
from grader.observations import Opaque, Raised, observed_device

__all__ = ["subject", "returned", "is_tensor", "shape", "dtype", "device", "requires_grad", "close", "matches"]


THE_RESULT = both("the result", "结果")
THE_CALL = both("the call", "这次调用")


def subject(name: Text) -> Bilingual:
    """`name` as the subject of a Chinese sentence: a space after Latin text, none after Chinese."""
    chinese = in_language(name, "zh")
    spaced = chinese + " " if chinese and chinese[-1].isascii() else chinese
    return Bilingual(in_language(name, "en"), spaced)


def _fail(message: Text, why: Text) -> None:
    raise AssertionError(sentence(message, why))


def _kind(value) -> str:
    return value.type if isinstance(value, Opaque) else type(value).__name__


def returned(actual, name: Text = THE_CALL, why: Text = ""):
    """`actual` when the learner's call returned (`exercise.attempt`), else a failure naming what it raised."""
    if isinstance(actual, Raised):
        _fail(
            both("{name} raised {error}", "{name}抛出了 {error}").format(name=subject(name), error=actual.describe()),
            why,
        )
    return actual


def is_tensor(actual, name: Text = THE_RESULT, why: Text = "") -> torch.Tensor:
    returned(actual, name, why)
    if not isinstance(actual, torch.Tensor):
        _fail(
            both("{name} should be a torch.Tensor, got {kind}", "{name}应该是 torch.Tensor，实际是 {kind}").format(
                name=subject(name), kind=_kind(actual)
            ),
            why,
        )
    return actual


def shape(actual: torch.Tensor, expected, name: Text = THE_RESULT, why: Text = "") -> None:
    expected = tuple(expected)
    if tuple(is_tensor(actual, name, why).shape) != expected:
        _fail(
            both("{name} should have shape {want}, got {got}", "{name}的形状应为 {want}，实际是 {got}").format(
                name=subject(name), want=expected, got=tuple(actual.shape)
            ),
            why,
        )


def dtype(actual: torch.Tensor, expected: torch.dtype, name: Text = THE_RESULT, why: Text = "") -> None:
    if is_tensor(actual, name, why).dtype != expected:
        _fail(
            both("{name} should have dtype {want}, got {got}", "{name}的 dtype 应为 {want}，实际是 {got}").format(
                name=subject(name), want=expected, got=actual.dtype
            ),
            why,
        )


def device(actual: torch.Tensor, expected, name: Text = THE_RESULT, why: Text = "") -> None:
    expected = torch.device(expected)
    got = observed_device(is_tensor(actual, name, why))
    got_type, _, got_index = str(got).partition(":")
    same = got_type == expected.type and (expected.index is None or got_index == str(expected.index))
    if not same:
        _fail(
            both("{name} should be on device {want}, got {got}", "{name}应位于设备 {want} 上，实际在 {got} 上").format(
                name=subject(name), want=expected, got=got
            ),
            why,
        )


def requires_grad(actual: torch.Tensor, expected: bool = True, name: Text = THE_RESULT, why: Text = "") -> None:
    if is_tensor(actual, name, why).requires_grad is not expected:
        _fail(
            both(
                "{name} should have requires_grad={want}, got {got}",
                "{name}的 requires_grad 应为 {want}，实际是 {got}",
            ).format(name=subject(name), want=expected, got=actual.requires_grad),
            why,
        )


# assert_close's default tolerances; torch.testing itself is not called because its first use
# imports sympy and DTensor (about 1 s), which would dominate a fast kata's grading time.
_TOLERANCES = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
}


def close(
    actual: torch.Tensor,
    expected: torch.Tensor,
    name: Text = THE_RESULT,
    why: Text = "",
    rtol: float | None = None,
    atol: float | None = None,
) -> None:
    """Values only (shape must agree too); dtype and device are not compared."""
    is_tensor(actual, name, why)
    shape(actual, expected.shape, name, why)
    default_rtol, default_atol = _TOLERANCES.get(expected.dtype, (0.0, 0.0))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    got = actual.detach().cpu()
    want = expected.detach().cpu()
    if want.is_complex() or got.is_complex():
        got, want = got.to(torch.complex128), want.to(torch.complex128)
        ok = torch.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    elif want.is_floating_point() or got.is_floating_point():
        got, want = got.double(), want.double()
        ok = torch.isclose(got, want, rtol=rtol, atol=atol, equal_nan=True)
    else:  # both widened: a bool or a narrower type that wraps round never equals what it cannot hold
        common = torch.promote_types(got.dtype, want.dtype)
        ok = got.to(common) == want.to(common)
    if not bool(ok.all()):
        bad = (~ok).nonzero()[0].tolist()
        where = tuple(bad) if len(bad) > 1 else bad[0] if bad else ()
        count = int((~ok).sum())
        expected_text, got_text = _distinct(want[tuple(bad)].item(), got[tuple(bad)].item())
        _fail(
            both(
                "{name} has the wrong values: {count} of {total} differ; at index {where} expected {want}, got {got}",
                "{name}的数值不对：{total} 个中有 {count} 个不同；在下标 {where} 处应为 {want}，实际是 {got}",
            ).format(name=subject(name), count=count, total=ok.numel(), where=where, want=expected_text, got=got_text),
            why,
        )


def _distinct(expected, got) -> tuple[str, str]:
    """Two differing numbers with enough digits to tell them apart (6, or up to 17)."""
    for digits in (6, 9, 12, 17):
        texts = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if texts[0] != texts[1]:
            return texts
    return texts


def matches(
    actual,
    expected: torch.Tensor,
    name: Text = THE_RESULT,
    why: Text = "",
    rtol: float | None = None,
    atol: float | None = None,
    on=None,
) -> None:
    """Type, shape, dtype, device and values all as in `expected`; with `on`, the device the result
    should be on (the job's accelerator: the judge computes `expected` on the CPU)."""
    is_tensor(actual, name, why)
    shape(actual, expected.shape, name, why)
    dtype(actual, expected.dtype, name, why)
    device(actual, observed_device(expected) if on is None else on, name, why)
    close(actual, expected, name, why, rtol=rtol, atol=atol)
