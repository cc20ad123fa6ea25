"""mnist's judge recomputes a plain nn.Sequential's logits from its parameters, in the `kata` process,
which has no time limit of its own: it does so only where that costs what a real model of the kata
costs, so layer settings that would take the grader hours (a forward swapped for a cheap one in the
learner's process) never stall a class."""

from __future__ import annotations

import inspect

import pytest
import torch
from torch import nn

from grader.catalog import Catalog
from grader.judge import load_checks


@pytest.fixture(scope="module")
def judge_module():
    check = next(c for c in load_checks(Catalog.load().get("mnist")) if c.id == "test_build_model")
    return inspect.getmodule(check.function)


def _described(model: nn.Sequential) -> list:
    settings = {
        nn.Flatten: ("start_dim", "end_dim"),
        nn.Conv2d: ("stride", "padding", "dilation", "groups"),
        nn.MaxPool2d: ("kernel_size", "stride", "padding", "dilation"),
    }
    return [(type(layer).__name__, {k: getattr(layer, k) for k in settings.get(type(layer), ())}) for layer in model]


def test_a_models_logits_are_recomputed_from_its_parameters(judge_module):
    model = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding="same"), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 14 * 14, 10)
    ).eval()
    images = torch.rand(16, 1, 28, 28)
    recomputed = judge_module._recomputed(_described(model), model.state_dict(), images)
    torch.testing.assert_close(recomputed, model(images).detach())


@pytest.mark.timeout(60)  # recomputed, this model would take the grader hours
def test_layers_too_costly_to_recompute_are_not_recomputed(judge_module):
    side = 28 + 2 * 450 - 600 + 1
    conv = nn.Conv2d(1, 1, 600, padding=450, bias=False)
    model = nn.Sequential(conv, nn.Flatten(), nn.Linear(side * side, 10))
    assert judge_module._recomputed(_described(model), model.state_dict(), torch.rand(64, 1, 28, 28)) is None
