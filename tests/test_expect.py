"""grader.expect, called directly: each helper's message (what was expected, what came back, the
name, the author's `why`), the default tolerance of each float dtype at its boundary, and the values
that only the judge sees (`Raised`, `Opaque`, a tensor decoded with the device it was on)."""

from __future__ import annotations

import pytest
import torch

from grader import expect
from grader.observations import Opaque, Raised, decode, encode


def _fails(call, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def _from_device(tensor: torch.Tensor, device: str) -> torch.Tensor:
    """`tensor` as the judge receives it from a child where it was on `device`."""
    data = encode(tensor)
    data[1][2] = device
    return decode(data)


# --- messages -------------------------------------------------------------------------------------


def test_returned_passes_a_value_through_and_names_what_was_raised():
    value = torch.ones(2)
    assert expect.returned(value) is value
    message = _fails(
        expect.returned,
        Raised("ValueError", "bad shape\nsecond line", "mlp.py", 12),
        name="forward(x)",
        why="Check the input size.",
    )
    assert message == "forward(x) raised ValueError: bad shape (at mlp.py:12). Check the input size."


def test_raised_without_a_place_or_text_is_just_its_type():
    assert _fails(expect.returned, Raised("StopIteration", "")) == "the call raised StopIteration"


def test_every_helper_reports_a_raised_value_before_looking_at_it():
    raised = Raised("RuntimeError", "boom")
    calls = [
        lambda: expect.is_tensor(raised, "f()"),
        lambda: expect.shape(raised, (2,), "f()"),
        lambda: expect.dtype(raised, torch.float32, "f()"),
        lambda: expect.device(raised, "cpu", "f()"),
        lambda: expect.requires_grad(raised, True, "f()"),
        lambda: expect.close(raised, torch.ones(2), "f()"),
        lambda: expect.matches(raised, torch.ones(2), "f()"),
    ]
    for call in calls:
        assert _fails(call) == "f() raised RuntimeError: boom"


@pytest.mark.parametrize(
    "value, kind", [([1.0, 2.0], "list"), (None, "NoneType"), (3, "int"), (Opaque("MyModule"), "MyModule")]
)
def test_is_tensor_names_the_kind_that_came_back(value, kind):
    assert _fails(expect.is_tensor, value, name="make()") == f"make() should be a torch.Tensor, got {kind}"


def test_is_tensor_returns_the_tensor():
    value = torch.zeros(1)
    assert expect.is_tensor(value) is value


def test_shape_message():
    expect.shape(torch.zeros(2, 3), [2, 3])
    assert (
        _fails(expect.shape, torch.zeros(3, 2), (2, 3), name="x.T", why="Transpose, don't reshape.")
        == "x.T should have shape (2, 3), got (3, 2). Transpose, don't reshape."
    )


def test_dtype_message():
    expect.dtype(torch.zeros(1, dtype=torch.int64), torch.int64)
    assert (
        _fails(expect.dtype, torch.zeros(1), torch.float64)
        == "the result should have dtype torch.float64, got torch.float32"
    )


def test_requires_grad_message():
    expect.requires_grad(torch.zeros(1, requires_grad=True))
    expect.requires_grad(torch.zeros(1), False)
    assert _fails(expect.requires_grad, torch.zeros(1), name="w") == "w should have requires_grad=True, got False"
    assert (
        _fails(expect.requires_grad, torch.zeros(1, requires_grad=True), False)
        == "the result should have requires_grad=False, got True"
    )


def test_close_names_how_many_differ_where_and_both_values():
    want = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    got = torch.tensor([[1.0, 2.0], [3.5, 4.0]])
    assert _fails(expect.close, got, want, name="mean(x)", why="Divide once.") == (
        "mean(x) has the wrong values: 1 of 4 differ; at index (1, 0) expected 3, got 3.5. Divide once."
    )
    assert _fails(expect.close, torch.tensor([0, 1, 2]), torch.tensor([0, 1, 3])) == (
        "the result has the wrong values: 1 of 3 differ; at index 2 expected 3, got 2"
    )


def test_close_checks_the_shape_first():
    assert _fails(expect.close, torch.zeros(3), torch.zeros(2)) == "the result should have shape (2,), got (3,)"


def test_close_ignores_dtype_and_matches_does_not():
    expect.close(torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
    assert (
        _fails(expect.matches, torch.tensor([1, 2]), torch.tensor([1.0, 2.0]))
        == "the result should have dtype torch.float32, got torch.int64"
    )


def test_close_treats_nan_as_equal_to_nan():
    expect.close(torch.tensor([float("nan"), 1.0]), torch.tensor([float("nan"), 1.0]))
    assert "1 of 2 differ" in _fails(expect.close, torch.tensor([float("nan"), 1.0]), torch.tensor([0.0, 1.0]))


def test_explicit_tolerances_replace_the_defaults():
    expect.close(torch.tensor([1.1]), torch.tensor([1.0]), atol=0.2, rtol=0.0)
    assert "differ" in _fails(expect.close, torch.tensor([1.0 + 1e-6]), torch.tensor([1.0]), rtol=0.0, atol=0.0)


# --- tolerances at their boundaries ---------------------------------------------------------------

# (dtype, a difference inside the default tolerance at 1.0, one outside it); for the half types these
# are whole steps of the dtype (float16 steps 2**-10 near 1, bfloat16 2**-7)
BOUNDARIES = [
    (torch.float16, 2**-10, 2 * 2**-10),  # tolerance 1e-5 + 1e-3
    (torch.bfloat16, 2 * 2**-7, 3 * 2**-7),  # 1e-5 + 1.6e-2
    (torch.float32, 1.05e-5, 1.25e-5),  # 1e-5 + 1.3e-6
    (torch.float64, 1.9e-7, 2.1e-7),  # 1e-7 + 1e-7
]


@pytest.mark.parametrize("dtype, inside, outside", BOUNDARIES, ids=lambda v: str(v).removeprefix("torch."))
def test_default_tolerance_of_each_dtype(dtype, inside, outside):
    want = torch.ones(3, dtype=dtype)
    expect.close(want + inside, want)
    expect.matches(want + inside, want)
    message = _fails(expect.close, want + outside, want)
    assert message.startswith("the result has the wrong values: 3 of 3 differ; at index 0 expected 1, got ")


@pytest.mark.parametrize("dtype, inside, outside", BOUNDARIES, ids=lambda v: str(v).removeprefix("torch."))
def test_default_tolerances_are_assert_closes(dtype, inside, outside):
    """The table in expect.py copies torch.testing's defaults (it avoids importing it): they agree."""
    want = torch.ones(3, dtype=dtype)
    torch.testing.assert_close(want + inside, want)
    with pytest.raises(AssertionError):
        torch.testing.assert_close(want + outside, want)


def test_the_expected_dtype_sets_the_tolerance():
    """A float16 result against a float32 expectation is held to float32's tolerance."""
    got = torch.ones(1, dtype=torch.float16) + 2**-10
    expect.close(got, torch.ones(1, dtype=torch.float16))
    assert "differ" in _fails(expect.close, got, torch.ones(1))


def test_integers_compare_exactly():
    assert "differ" in _fails(expect.close, torch.tensor([1_000_001]), torch.tensor([1_000_000]))


@pytest.mark.parametrize(
    ("got", "want"),
    [
        (torch.tensor([False, True, True]), torch.tensor([0, 3, 5])),  # bool: every nonzero value is True
        (torch.tensor([44], dtype=torch.uint8), torch.tensor([300])),  # 300 wraps round to 44 in uint8
        (torch.tensor([44], dtype=torch.int8), torch.tensor([300])),
        (torch.tensor([1 + 1j]), torch.tensor([1.0])),  # the imaginary part is not thrown away
    ],
)
def test_a_narrower_or_other_kind_of_number_is_not_cast_into_agreement(got, want):
    """Values are compared in a type that holds both: a lossy cast of the expectation passes nothing."""
    assert "differ" in _fails(expect.close, got, want)


# --- devices --------------------------------------------------------------------------------------


def test_device_reads_the_device_a_decoded_tensor_was_on():
    on_gpu = _from_device(torch.ones(2), "cuda:1")
    assert on_gpu.device.type == "cpu"  # the judge holds it on the CPU
    expect.device(on_gpu, "cuda")
    expect.device(on_gpu, "cuda:1")
    assert _fails(expect.device, on_gpu, "cuda:0") == "the result should be on device cuda:0, got cuda:1"
    assert (
        _fails(expect.device, on_gpu, "cpu", name="to_device(x)", why="Use .to(device).")
        == "to_device(x) should be on device cpu, got cuda:1. Use .to(device)."
    )


def test_device_of_a_plain_tensor_is_its_own():
    expect.device(torch.ones(1), "cpu")
    assert _fails(expect.device, torch.ones(1), "cuda") == "the result should be on device cuda, got cpu"


def test_a_device_this_torch_cannot_make_is_still_compared_by_name():
    on_npu = _from_device(torch.ones(1), "npu:0")
    assert _fails(expect.device, on_npu, "cpu") == "the result should be on device cpu, got npu:0"


def test_matches_compares_with_the_expected_device_unless_told_on():
    want = torch.ones(2)  # the judge computes expected values on the CPU
    on_gpu = _from_device(torch.ones(2), "cuda:0")
    assert _fails(expect.matches, on_gpu, want) == "the result should be on device cpu, got cuda:0"
    expect.matches(on_gpu, want, on="cuda:0")
    expect.matches(on_gpu, want, on=torch.device("cuda"))
    assert _fails(expect.matches, torch.ones(2), want, on="cuda:0") == "the result should be on device cuda:0, got cpu"


def test_matches_checks_type_shape_dtype_device_then_values_in_that_order():
    want = torch.tensor([1.0, 2.0])
    assert _fails(expect.matches, Opaque("Linear"), want) == "the result should be a torch.Tensor, got Linear"
    assert "shape" in _fails(expect.matches, torch.zeros(3, dtype=torch.int64), want)
    assert "dtype" in _fails(expect.matches, _from_device(torch.zeros(2, dtype=torch.int64), "cuda:0"), want)
    assert "device" in _fails(expect.matches, _from_device(torch.zeros(2), "cuda:0"), want)
    assert "wrong values" in _fails(expect.matches, torch.zeros(2), want)
    expect.matches(_from_device(want.clone(), "cpu"), want)
