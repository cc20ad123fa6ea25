"""Checks for the tensors kata, exercise half: runs the learner's code on the judge's inputs, in the child.

Each function returns what the learner's code did (results, the inputs afterwards, gradients); the
judge half, test_tensors.py, decides. Nothing here knows a right answer.
"""

import torch

from grader.exercise import attempt
from grader.stand_in import StandIn, StandInDevice, plain


def _backward(out, upstream):
    """out.backward(upstream), as (out * upstream).sum().backward(): the same gradients, without the
    import (sympy, ~0.3 s) that a gradient argument costs on first use."""
    if out.shape != upstream.shape:
        raise RuntimeError(
            f"Mismatch in shape: grad_output[0] has a shape of {upstream.shape} and output[0] "
            f"has a shape of {out.shape}."
        )
    (out * upstream.to(out.device)).sum().backward()


def _gradients(fn, given):
    """fn on inputs that require grad, then backward(upstream): what reached each input."""
    out = attempt(fn, *given["inputs"])
    backward = attempt(_backward, out, given["upstream"])
    return {"out": out, "backward": backward, "grads": [t.grad for t in given["inputs"]]}


def test_to_float_tensor(solution, inputs):
    return [{"out": attempt(solution.to_float_tensor, data), "data_after": data} for data in inputs]


def _sum_weighted(out, weights):
    (out * weights).sum().backward()


def test_trainable_zeros(solution, inputs):
    seen = []
    for case in inputs:
        out = attempt(solution.trainable_zeros, case["shape"])
        if not isinstance(out, torch.Tensor):  # nothing to differentiate: the judge says why from `out`
            seen.append({"out": out})
            continue
        is_leaf = out.is_leaf
        backward = attempt(_sum_weighted, out, case["weights"])
        seen.append({"out": out, "is_leaf": is_leaf, "backward": backward, "grad": out.grad if is_leaf else None})
    return seen


def test_linear_forward(solution, inputs):
    cases = [
        {"out": attempt(solution.linear_forward, x, w, b), "inputs_after": [x, w, b]} for x, w, b in inputs["cases"]
    ]
    return {"cases": cases, "gradient": _gradients(solution.linear_forward, inputs["gradient"])}


def test_flatten_transposed(solution, inputs):
    cases = [{"out": attempt(solution.flatten_transposed, x), "x_after": x} for x in inputs["cases"]]
    return {"cases": cases, "gradient": _gradients(solution.flatten_transposed, inputs["gradient"])}


def test_add_channel_dim(solution, inputs):
    cases = [{"out": attempt(solution.add_channel_dim, images), "images_after": images} for images in inputs["cases"]]
    return {"cases": cases, "gradient": _gradients(solution.add_channel_dim, inputs["gradient"])}


def test_join_batches(solution, inputs):
    cases = [{"out": attempt(solution.join_batches, a, b), "inputs_after": [a, b]} for a, b in inputs["cases"]]
    return {"cases": cases, "gradient": _gradients(solution.join_batches, inputs["gradient"])}


def test_to_labels(solution, inputs):
    cases = [{"out": attempt(solution.to_labels, x), "x_after": x} for x in inputs["cases"]]
    with StandInDevice():  # x.device names the stand-in, as it would a GPU
        out = attempt(solution.to_labels, inputs["stand_in"].as_subclass(StandIn))
    device = out.device.type if isinstance(out, torch.Tensor) else None
    return {"cases": cases, "stand_in": {"out": plain(out), "device": device}}


def test_positive_mask(solution, inputs):
    return [{"out": attempt(solution.positive_mask, x), "x_after": x} for x in inputs]


def test_move_to(solution, inputs, device):
    cases = [
        {"on_meta": attempt(solution.move_to, x, "meta"), "on_device": attempt(solution.move_to, x, device)}
        for x in inputs["cases"]
    ]
    x, upstream = inputs["gradient"]["x"], inputs["gradient"]["upstream"]
    on_meta = attempt(solution.move_to, x, "meta")  # another device than x's: a real copy, in the graph or not
    moved = attempt(solution.move_to, x, device)
    backward = attempt(lambda: (moved * upstream.to(moved.device)).sum().backward())
    return {"cases": cases, "gradient": {"on_meta": on_meta, "moved": moved, "backward": backward, "grad": x.grad}}


def test_random_tensors(solution, inputs):
    seen = []
    for case in inputs:
        torch.manual_seed(case["global_seed"])  # some other part of the program seeded the global random state
        out = attempt(solution.random_tensors, case["shape"], case["seed"])
        seen.append({"out": out, "global_state": torch.get_rng_state()})
    return seen
