"""Exercise halves of the optimizers checks: run in the grading child, call the learner's code on the
judge's inputs and return what happened. Nothing here decides; test_optimizers.py judges.

Models and optimizers cannot travel: they are built here from the judge's numbers, trained here on
the judge's batches, and what travels back is each parameter's values (by name) after every step,
and what the learner's optimizer holds.
"""

import torch
import torch._dynamo  # noqa: F401 - see below
from torch import nn

from grader.exercise import attempt
from grader.observations import Raised

# Building a torch.optim optimizer imports torch._dynamo on first use (about 2 s of CPU). Importing it
# here, while the warm parent collects the checks, spares every forked grading child that cost.


class TwoPart(nn.Module):
    """A small model with a body and a head, as in fine-tuning (the same in test_optimizers.py)."""

    def __init__(self, features=4, hidden=8, outputs=3, head_bias=True):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(features, hidden), nn.Tanh())
        self.head = nn.Linear(hidden, outputs, bias=head_bias)

    def forward(self, x):
        return self.head(self.body(x))


def _model(spec):
    """A TwoPart of the judge's sizes, dtype and parameter values."""
    model = TwoPart(*spec["sizes"], head_bias=spec["head_bias"]).to(spec["dtype"])
    model.load_state_dict(spec["weights"])
    return model


def _parameters(model):
    return {key: p.detach().clone() for key, p in model.named_parameters()}


def _holdings(optimizer, model):
    """What an optimizer holds: per group its learning rate and its parameters by the model's names
    (None for a tensor that is not one of the model's), and how many distinct foreign tensors."""
    if not isinstance(optimizer, torch.optim.Optimizer):
        return {"is_optimizer": False, "type": type(optimizer).__name__}
    names = {id(p): key for key, p in model.named_parameters()}
    groups = [
        {
            "lr": group.get("lr"),
            "momentum": group.get("momentum"),
            "params": [names.get(id(p)) for p in group["params"]],
        }
        for group in optimizer.param_groups
    ]
    foreign = {id(p) for group in optimizer.param_groups for p in group["params"]} - set(names)
    return {"is_optimizer": True, "type": type(optimizer).__name__, "groups": groups, "foreign": len(foreign)}


def _train(model, optimizer, batches):
    """zero_grad → MSE loss → backward → step on each batch; the parameters after every step."""
    after = []
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        after.append(_parameters(model))
    return after


def _made_and_trained(make, spec, batches):
    """An optimizer from the learner's `make(model)`, what it holds, and the path it trains along."""
    model = _model(spec)
    optimizer = attempt(make, model)
    holdings = _holdings(optimizer, model)
    steps = attempt(_train, model, optimizer, batches) if holdings["is_optimizer"] else None
    return {"optimizer": optimizer if not holdings["is_optimizer"] else None, "holds": holdings, "steps": steps}


def test_make_optimizer_sgd(solution, inputs):
    return [
        _made_and_trained(
            lambda model: solution.make_optimizer(model, "sgd", case["lr"]), case["model"], case["batches"]
        )
        for case in inputs
    ]


def test_make_optimizer_adam(solution, inputs):
    return [
        _made_and_trained(
            lambda model: solution.make_optimizer(model, "adam", case["lr"]), case["model"], case["batches"]
        )
        for case in inputs
    ]


_LOSSES = {"MSELoss": nn.MSELoss, "CrossEntropyLoss": nn.CrossEntropyLoss}
_OPTIMIZERS = {
    "SGD(momentum=0.9)": lambda model: torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
    "Adam": lambda model: torch.optim.Adam(model.parameters(), lr=0.02),
    "SGD(param_groups=[body, head])": lambda model: torch.optim.SGD(
        [{"params": model.body.parameters()}, {"params": model.head.parameters(), "lr": 0.05}], lr=0.1
    ),
}


def test_train_step(solution, inputs):
    seen = []
    for case in inputs:
        model = _model(case["model"])
        optimizer = _OPTIMIZERS[case["optimizer"]](model)
        for key, p in model.named_parameters():  # gradients left over from earlier work (or a fresh model)
            p.grad = None if case["old_grads"] is None else case["old_grads"][key].clone()
        loss_fn = _LOSSES[case["loss"]]()
        steps = []
        for x, y in case["batches"]:
            loss = attempt(solution.train_step, model, optimizer, loss_fn, x, y)
            steps.append(
                {"loss": loss, "loss_type": type(loss).__name__, "parameters": _parameters(model), "x": x, "y": y}
            )
        seen.append(steps)
    return seen


def test_finetune_groups(solution, inputs):
    return [
        _made_and_trained(lambda model: solution.finetune_optimizer(model, case["lr"]), case["model"], case["batches"])
        for case in inputs
    ]


def _three_groups(model, lrs):
    """Three parameter groups, each with its own learning rate."""
    return [
        {"params": model.body.parameters(), "lr": lrs[0]},
        {"params": [model.head.weight], "lr": lrs[1]},
        {"params": [model.head.bias], "lr": lrs[2]},
    ]


def test_scale_lr(solution, inputs):
    model = _model(inputs["model"])
    optimizer = torch.optim.SGD(_three_groups(model, inputs["lrs"]), lr=inputs["lrs"][0], momentum=inputs["momentum"])
    calls = [attempt(solution.scale_lr, optimizer, factor) for factor in inputs["factors"]]
    holdings = _holdings(optimizer, model)
    return {"calls": calls, "holds": holdings, "steps": attempt(_train, model, optimizer, inputs["batches"])}


# --- exercise 5: an update by hand -----------------------------------------------------------------


def momentum_loss(params, x, y):
    """A loss that touches every parameter in a different way (the same in test_optimizers.py)."""
    w, b, c = params
    return ((torch.tanh(x @ w.T + b) - y) ** 2).mean() + 0.3 * (c**2).sum() + 0.1 * c.sum() * b.mean()


def _updates(solution, case):
    """The learner's hand-written updates, one per step; after each, what the caller's lists hold."""
    params = [p.detach().clone().requires_grad_() for p in case["params"]]
    velocities = [torch.zeros_like(p) for p in params]
    originals = list(zip(params, velocities))
    seen = []
    for x, y in case["data"]:
        momentum_loss(params, x, y).backward()
        result = attempt(solution.sgd_momentum_update, params, velocities, case["lr"], case["momentum"])
        raised = result if isinstance(result, Raised) else None
        seen.append(
            {
                "raised": raised,
                "params": [
                    {
                        "same_param": p is p0,
                        "same_velocity": v is v0,
                        "value": p.detach().clone(),
                        "velocity": v.detach().clone(),
                        "is_leaf": p.is_leaf,
                        "requires_grad": p.requires_grad,
                        "grad": None if p.grad is None else p.grad.clone(),
                    }
                    for p, v, (p0, v0) in zip(params, velocities, originals)
                ],
            }
        )
        if raised is not None:
            break
    return seen


def test_sgd_momentum_first_update(solution, inputs):
    return [_updates(solution, case) for case in inputs]


def test_sgd_momentum_matches_torch(solution, inputs):
    return [_updates(solution, case) for case in inputs]
