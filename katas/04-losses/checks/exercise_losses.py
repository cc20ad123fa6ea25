"""Checks for the losses kata, exercise half: runs the learner's code on the judge's inputs, in the child.

Each function returns what the learner's code did (the loss, the gradients that reached the inputs,
the inputs afterwards); the judge half, test_losses.py, decides. Nothing here knows a right answer.
"""

import torch
from torch.overrides import TorchFunctionMode

from grader.exercise import attempt
from grader.stand_in import StandInDevice, StandInStrict, plain

# F.cross_entropy, and the op it calls: nn.CrossEntropyLoss goes through both
_BUILTIN_CROSS_ENTROPY = frozenset({"cross_entropy", "cross_entropy_loss"})


def _backward(out):
    out.backward()


def _loss_and_gradient(fn, logits, *args):
    """fn(logits, *args), then backward(): the loss and what reached the logits (a leaf that requires grad)."""
    out = attempt(fn, logits, *args)
    backward = attempt(_backward, out)
    return {"out": out, "backward": backward, "grad": logits.grad}


def test_classification_loss_value(solution, inputs):
    return [
        [
            {"out": attempt(solution.classification_loss, logits, labels), "inputs_after": [logits, labels]}
            for logits, labels in per_kind
        ]
        for per_kind in inputs
    ]


def test_classification_loss_gradient(solution, inputs):
    return [_loss_and_gradient(solution.classification_loss, logits, labels) for logits, labels in inputs]


def test_regression_loss(solution, inputs):
    seen = []
    for pred, target in inputs:
        got = _loss_and_gradient(solution.regression_loss, pred, target)
        seen.append({**got, "inputs_after": [pred, target]})
    return seen


class _CrossEntropySwitchedOff(TorchFunctionMode):
    """Refuses the built-in cross-entropy however the code reaches it: torch's function mode sees the
    call itself, also through a name bound at import (which a patched module attribute would miss)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in _BUILTIN_CROSS_ENTROPY:
            self.calls += 1
            raise RuntimeError("F.cross_entropy is switched off in this exercise")
        return func(*args, **(kwargs or {}))


def test_stable_ce_by_hand(solution, inputs):
    seen = []
    for logits, targets in inputs:
        with _CrossEntropySwitchedOff() as switched_off:
            out = attempt(solution.stable_cross_entropy, logits, targets)
        seen.append({"out": out, "builtin_calls": switched_off.calls, "inputs_after": [logits, targets]})
    return seen


def test_stable_ce_large_logits(solution, inputs):
    return _loss_and_gradient(solution.stable_cross_entropy, inputs["logits"], inputs["targets"])


def test_stable_ce_gradient(solution, inputs):
    return _loss_and_gradient(solution.stable_cross_entropy, inputs["logits"], inputs["targets"])


def test_hardest_examples(solution, inputs):
    return [
        {
            "outs": [attempt(solution.hardest_examples, logits, targets, k) for k in ks],
            "inputs_after": [logits, targets],
        }
        for logits, targets, ks in inputs
    ]


def test_masked_token_loss(solution, inputs):
    seen = []
    for case in inputs:
        logits, targets = case["logits"], case["targets"]
        if case["transposed"]:  # the same values, laid out (B, C, T) and (T, B) in memory
            logits = logits.transpose(1, 2).contiguous().transpose(1, 2)
            targets = targets.t().contiguous().t()
        logits.requires_grad_(True)
        got = _loss_and_gradient(solution.masked_token_loss, logits, targets, case["pad_index"])
        seen.append({**got, "inputs_after": [logits, targets]})
    return seen


# --- every loss on a stand-in GPU (grader/stand_in.py): a CPU tensor made inside, or labels moved to the
# CPU, fail here as they do on a GPU


def test_losses_stay_on_device(solution, inputs):
    seen = {}
    for name, args in inputs.items():
        with StandInDevice(StandInStrict):  # device=logits.device names the stand-in, as it would a GPU
            out = attempt(
                getattr(solution, name), *[a.as_subclass(StandInStrict) if torch.is_tensor(a) else a for a in args]
            )
        device = out.device.type if isinstance(out, torch.Tensor) else None
        seen[name] = {"out": plain(out), "device": device}
    return seen
