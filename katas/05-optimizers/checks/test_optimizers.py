"""Judge halves of the optimizers checks (exercise halves: exercise_optimizers.py). Each docstring:
English title, then Chinese title. Inputs come from `rng`; the judge trains its own copy of each
model with torch.optim along the same batches and compares the path the child observed."""

import math

import pytest
import torch
import torch._dynamo  # noqa: F401 - building the judge's torch.optim optimizers imports it on first use
from torch import nn

from grader import expect
from grader.bilingual import Text, both
from grader.observations import Raised


class TwoPart(nn.Module):
    """A small model with a body and a head, as in fine-tuning (the same in exercise_optimizers.py)."""

    def __init__(self, features=4, hidden=8, outputs=3, head_bias=True):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(features, hidden), nn.Tanh())
        self.head = nn.Linear(hidden, outputs, bias=head_bias)

    def forward(self, x):
        return self.head(self.body(x))


def _model_spec(rng, dtype=torch.float32, sizes=(4, 8, 3), head_bias=True):
    """A TwoPart's sizes, dtype and parameters, drawn like PyTorch's default init (±1/√fan_in)."""
    features, hidden, outputs = sizes
    weights = {}
    for prefix, fan_in, fan_out in (("body.0", features, hidden), ("head", hidden, outputs)):
        bound = 1 / math.sqrt(fan_in)
        weights[f"{prefix}.weight"] = (torch.rand(fan_out, fan_in, generator=rng, dtype=dtype) * 2 - 1) * bound
        if prefix == "body.0" or head_bias:
            weights[f"{prefix}.bias"] = (torch.rand(fan_out, generator=rng, dtype=dtype) * 2 - 1) * bound
    return {"sizes": list(sizes), "dtype": dtype, "weights": weights, "head_bias": head_bias}


def _model(spec):
    model = TwoPart(*spec["sizes"], head_bias=spec["head_bias"]).to(spec["dtype"])
    model.load_state_dict(spec["weights"])
    return model


def _batch(rng, spec, n):
    """A batch of n rows for the model `spec` describes, in its dtype."""
    features, _, outputs = spec["sizes"]
    return (
        torch.randn(n, features, generator=rng, dtype=spec["dtype"]),
        torch.randn(n, outputs, generator=rng, dtype=spec["dtype"]),
    )


_BATCH_ROWS = (5, 7, 3, 6)  # uneven on purpose: nothing may depend on one batch size


def _batches(rng, spec, steps):
    return [_batch(rng, spec, _BATCH_ROWS[step % len(_BATCH_ROWS)]) for step in range(steps)]


def _reference_step(model, optimizer, x, y, loss_fn=nn.functional.mse_loss):
    optimizer.zero_grad()
    loss_fn(model(x), y).backward()
    optimizer.step()


def _compare_path(steps, make_reference, spec, batches, name: Text, why: Text) -> None:
    """The parameters the child saw after each step against the judge's own model and optimizer."""
    steps = expect.returned(
        steps, name=both("training with the optimizer of {name}", "用 {name} 训练时").format(name=name)
    )
    reference = _model(spec)
    reference_optimizer = make_reference(reference)
    for step, ((x, y), got) in enumerate(zip(batches, steps, strict=True), start=1):
        _reference_step(reference, reference_optimizer, x, y)
        for key, want in reference.named_parameters():
            expect.close(
                got[key],
                want,
                name=both(
                    "{name}, after step {step}: parameter {key}", "用 {name} 训练 {step} 步之后，参数 {key}"
                ).format(name=name, step=step, key=key),
                why=why,
            )


def _check_holds(got, spec, name: Text):
    """The learner's object is a torch.optim optimizer holding every parameter of the model."""
    expect.returned(got["optimizer"], name=name)
    holds = got["holds"]
    if not holds["is_optimizer"]:
        raise AssertionError(
            both(
                "{name} should return a torch.optim optimizer, got {kind}",
                "{name} 应返回一个 torch.optim 优化器，实际返回的是 {kind}",
            ).format(name=name, kind=holds["type"])
        )
    held = {key for group in holds["groups"] for key in group["params"] if key is not None}
    wanted = set(spec["weights"])
    if held != wanted or holds["foreign"]:
        raise AssertionError(
            both(
                "{name}: the optimizer holds {held} of the model's {wanted} parameters "
                "(plus {foreign} others); pass model.parameters() so it updates all of them",
                "{name}：优化器持有模型 {wanted} 个参数中的 {held} 个（外加 {foreign} 个其他参数）；"
                "请传入 model.parameters()，让它更新全部参数",
            ).format(name=name, held=len(held & wanted), wanted=len(wanted), foreign=holds["foreign"])
        )
    return holds


def _made_by(spec, kind: str, lr: float) -> Text:
    """How the messages name a make_optimizer call on a model of `spec`'s dtype."""
    return both('make_optimizer({dtype} model, "{kind}", {lr})', 'make_optimizer({dtype} 模型, "{kind}", {lr})').format(
        dtype=spec["dtype"], kind=kind, lr=lr
    )


def test_make_optimizer_sgd(rng):
    """make_optimizer("sgd") updates every parameter like SGD with momentum 0.9
    make_optimizer("sgd") 像动量为 0.9 的 SGD 一样更新所有参数"""
    cases = []
    for dtype, lr in ((torch.float32, 0.05), (torch.float64, 0.2)):
        spec = _model_spec(rng, dtype)
        cases.append({"model": spec, "lr": lr, "batches": _batches(rng, spec, 4)})
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        spec, lr = case["model"], case["lr"]
        name = _made_by(spec, "sgd", lr)
        _check_holds(got, spec, name)
        _compare_path(
            got["steps"],
            lambda model: torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9),
            spec,
            case["batches"],
            name,
            both(
                f"expected torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9); if step 1 matches and "
                "step 2 does not, the momentum is missing; if step 1 differs, check the learning rate and "
                "leave out settings the README does not ask for (weight_decay, nesterov)",
                f"应与 torch.optim.SGD(model.parameters(), lr={lr}, momentum=0.9) 一致；如果第 1 步对而第 2 步不对，"
                "说明缺了动量；如果第 1 步就不同，请检查学习率，并去掉 README 没有要求的设置（weight_decay、nesterov）",
            ),
        )


def test_make_optimizer_adam(rng):
    """make_optimizer("adam") updates every parameter like Adam
    make_optimizer("adam") 像 Adam 一样更新所有参数"""
    cases = []
    for dtype, lr in ((torch.float32, 0.01), (torch.float64, 0.003)):
        spec = _model_spec(rng, dtype)
        cases.append({"model": spec, "lr": lr, "batches": _batches(rng, spec, 4)})
    # float32: a first batch of inputs near 0 gives the first layer's weights gradients near 1e-5, where
    # Adam's eps (1e-8, not 1e-6) shows in the step size
    x, y = cases[0]["batches"][0]
    cases[0]["batches"][0] = (x * 1e-4, y)
    # float64: a first batch whose targets are 100× larger gives gradients about 100× larger than the next
    # ones, so Adam's second moment shrinks in step 2 for nearly every weight, while AMSGrad's maximum stays
    x, y = cases[1]["batches"][0]
    cases[1]["batches"][0] = (x, y * 100)
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        spec, lr = case["model"], case["lr"]
        name = _made_by(spec, "adam", lr)
        _check_holds(got, spec, name)
        _compare_path(
            got["steps"],
            lambda model: torch.optim.Adam(model.parameters(), lr=lr),
            spec,
            case["batches"],
            name,
            both(
                f"expected torch.optim.Adam(model.parameters(), lr={lr}) with its default betas, eps and "
                "amsgrad=False (Adam, not AdamW: AdamW's default weight_decay=0.01 shrinks the weights)",
                f"应与 torch.optim.Adam(model.parameters(), lr={lr}) 一致，betas、eps 用默认值，amsgrad=False"
                "（用 Adam 而不是 AdamW：AdamW 默认 weight_decay=0.01，会让权重缩小）",
            ),
        )


# the optimizers and losses the exercise half builds by these names
_OPTIMIZERS = {
    "SGD(momentum=0.9)": lambda model: torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
    "Adam": lambda model: torch.optim.Adam(model.parameters(), lr=0.02),
    "SGD(param_groups=[body, head])": lambda model: torch.optim.SGD(
        [{"params": model.body.parameters()}, {"params": model.head.parameters(), "lr": 0.05}], lr=0.1
    ),
}
_LOSSES = {"MSELoss": nn.MSELoss, "CrossEntropyLoss": nn.CrossEntropyLoss}


def test_train_step(rng):
    """train_step clears old gradients, then backward, then step, and returns a float
    train_step 先清空旧梯度，再反向传播、更新参数，并返回 float"""
    # CrossEntropyLoss takes (prediction, target) in that order only: class indices cannot come first
    cases = []
    for dtype, kind, loss, stale in (
        (torch.float32, "SGD(momentum=0.9)", "MSELoss", True),
        (torch.float64, "Adam", "CrossEntropyLoss", True),
        # a fresh model has no gradients yet (p.grad is None), and every group needs clearing
        (torch.float32, "SGD(param_groups=[body, head])", "MSELoss", False),
    ):
        spec = _model_spec(rng, dtype, sizes=(5, 6, 2))
        old_grads = {key: torch.randn(p.shape, generator=rng, dtype=dtype) for key, p in spec["weights"].items()}
        old_grads = old_grads if stale else None
        batches = [_batch(rng, spec, rows) for rows in (5, 7, 3)]
        if loss == "CrossEntropyLoss":
            batches = [(x, torch.randint(0, y.shape[1], (len(x),), generator=rng)) for x, y in batches]
        cases.append({"model": spec, "optimizer": kind, "loss": loss, "old_grads": old_grads, "batches": batches})
    seen = yield cases
    for case, steps in zip(cases, seen, strict=True):
        spec, kind = case["model"], case["optimizer"]
        reference = _model(spec)
        for key, p in reference.named_parameters():
            p.grad = None if case["old_grads"] is None else case["old_grads"][key].clone()
        reference_optimizer = _OPTIMIZERS[kind](reference)
        loss_fn = _LOSSES[case["loss"]]()
        before = spec["weights"]
        for step, ((x, y), got) in enumerate(zip(case["batches"], steps, strict=True), start=1):
            with torch.no_grad():
                want_loss = loss_fn(reference(x), y).item()
            _reference_step(reference, reference_optimizer, x, y, loss_fn)
            # the Chinese name ends in a full-width bracket, so its sentences follow it without a space
            name = both(
                "train_step with {kind}, {loss}, a {dtype} batch of {rows}, step {step}",
                "train_step（{kind}、{loss}、大小为 {rows} 的 {dtype} 批次，第 {step} 步）",
            ).format(kind=kind, loss=case["loss"], dtype=spec["dtype"], rows=len(x), step=step)
            loss = expect.returned(
                got["loss"],
                name=name,
                why=both(
                    "a fresh model's parameters have no gradients yet (p.grad is None): optimizer.zero_grad() "
                    "clears every group's, whatever state they are in",
                    "新模型的参数还没有梯度（p.grad 是 None）：optimizer.zero_grad() 会清空每个参数组的梯度，"
                    "不管它们处于什么状态",
                )
                if case["old_grads"] is None
                else "",
            )
            if not isinstance(loss, float):
                raise AssertionError(
                    both(
                        "{name} should return the loss as a Python float, got {kind}; "
                        "use loss.item() (returning the tensor keeps its whole graph alive)",
                        "{name}应以 Python float 返回损失，实际返回的是 {kind}；"
                        "请用 loss.item()（返回张量会让它的整张计算图一直留在内存里）",
                    ).format(name=name, kind=got["loss_type"])
                )
            if not abs(loss - want_loss) <= 1e-5 * max(1.0, abs(want_loss)):
                raise AssertionError(
                    both(
                        "{name} returned loss {got}, expected {want} (the loss of the batch before the update)",
                        "{name}返回的损失是 {got}，应为 {want}（即更新之前这个批次的损失）",
                    ).format(name=name, got=f"{loss:.6g}", want=f"{want_loss:.6g}")
                )
            if all(torch.equal(got["parameters"][key], before[key]) for key in before):
                raise AssertionError(
                    both(
                        "{name} did not change the parameters: step() found no gradients; it must come after "
                        "backward(), and zero_grad() must come before backward() (between backward() and step() it "
                        "wipes the gradients just computed)",
                        "{name}没有改变参数：step() 没有找到梯度；它必须在 backward() 之后调用，"
                        "而 zero_grad() 必须在 backward() 之前调用（放在 backward() 和 step() 之间会清掉刚算出的梯度）",
                    ).format(name=name)
                )
            for key, want in reference.named_parameters():
                expect.close(
                    got["parameters"][key],
                    want,
                    name=both("after {name}: parameter {key}", "{name}之后，参数 {key}").format(name=name, key=key),
                    why=both(
                        "expected zero_grad() -> loss -> backward() -> step(); a difference usually means old "
                        "gradients were added in (zero_grad missing, or called after backward) or step() ran "
                        "before backward()",
                        "应按 zero_grad() -> loss -> backward() -> step() 的顺序；出现差异通常说明旧梯度被累加了进来"
                        "（缺少 zero_grad，或在 backward 之后才调用），或者 step() 在 backward() 之前就运行了",
                    ),
                )
            if not (torch.equal(got["x"], x) and torch.equal(got["y"], y)):
                raise AssertionError(
                    both(
                        "{name} changed the batch (x or y) in place: leave the caller's data alone",
                        "{name}原地修改了批次数据（x 或 y）：请不要改动调用方的数据",
                    ).format(name=name)
                )
            before = got["parameters"]


def test_finetune_groups(rng):
    """finetune_optimizer puts the body at lr and the head at 10 x lr, each parameter once
    finetune_optimizer 让 body 用 lr、head 用 10 倍 lr，每个参数只出现一次"""
    cases = []
    for lr, head_bias in ((0.01, True), (0.003, False)):  # a head without a bias: the head is not "the last two"
        spec = _model_spec(rng, head_bias=head_bias)
        cases.append({"model": spec, "lr": lr, "batches": _batches(rng, spec, 3)})
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        spec, lr = case["model"], case["lr"]
        name = f"finetune_optimizer(model, {lr})"
        made = got["optimizer"]
        # which hint fits: torch.optim's own words for a parameter given to two groups
        if isinstance(made, Raised) and made.type == "ValueError" and "more than one parameter group" in made.message:
            raise AssertionError(
                both(
                    "{name}: torch.optim refused the groups because some parameters appear in more than one "
                    "group; model.parameters() already contains the head, so give the body group "
                    "model.body.parameters()",
                    "{name}：torch.optim 拒绝了这些参数组，因为有参数出现在不止一个组里；model.parameters() "
                    "已经包含了 head，所以 body 组应传入 model.body.parameters()",
                ).format(name=name)
            )
        holds = _check_holds(got, spec, name)
        held = [key for group in holds["groups"] for key in group["params"]]
        if len(held) != len(set(held)):
            raise AssertionError(
                both(
                    "{name}: a parameter appears twice in the optimizer's groups",
                    "{name}：有参数在优化器的参数组中出现了两次",
                ).format(name=name)
            )
        lrs = {key: group["lr"] for group in holds["groups"] for key in group["params"]}
        for part, want in (("body", lr), ("head", 10 * lr)):
            for key in (k for k in spec["weights"] if k.startswith(f"{part}.")):
                if not abs(lrs[key] - want) <= 1e-12:  # a NaN learning rate fails too
                    raise AssertionError(
                        both(
                            "{name}: {key} has learning rate {got}, expected {want} "
                            "(body: lr, head: 10 * lr, both computed from the lr argument)",
                            "{name}：{key} 的学习率是 {got}，应为 {want}（body 用 lr，head 用 10 * lr，两者都由参数 lr 算出）",
                        ).format(name=name, key=key, got=f"{lrs[key]:g}", want=f"{want:g}")
                    )
        _compare_path(
            got["steps"],
            lambda model: torch.optim.SGD(
                [{"params": model.body.parameters()}, {"params": model.head.parameters(), "lr": 10 * lr}],
                lr=lr,
                momentum=0.9,
            ),
            spec,
            case["batches"],
            name,
            both(
                "expected SGD with momentum 0.9 in every group (a group without its own momentum takes "
                "the optimizer's default)",
                "每个参数组都应是动量为 0.9 的 SGD（没有单独设置 momentum 的参数组会采用优化器的默认值）",
            ),
        )


def _three_groups(model, lrs):
    """Three parameter groups, each with its own learning rate (as the exercise half makes them)."""
    return [
        {"params": model.body.parameters(), "lr": lrs[0]},
        {"params": [model.head.weight], "lr": lrs[1]},
        {"params": [model.head.bias], "lr": lrs[2]},
    ]


def test_scale_lr(rng):
    """scale_lr multiplies the learning rate of every group, and step() uses it
    scale_lr 按比例缩放每个参数组的学习率，且 step() 会使用新学习率"""
    spec = _model_spec(rng)
    inputs = {
        "model": spec,
        "lrs": [0.1, 0.4, 0.03],
        "momentum": 0.5,
        "factors": [0.5, 0.2],
        "batches": _batches(rng, spec, 2),
    }
    got = yield inputs
    for factor, call in zip(inputs["factors"], got["calls"], strict=True):
        expect.returned(call, name=f"scale_lr(optimizer, {factor})")
    want = [lr * 0.5 * 0.2 for lr in inputs["lrs"]]
    groups = got["holds"]["groups"]
    lrs = [group["lr"] for group in groups]
    if len(lrs) != len(want) or any(abs(a - b) > 1e-12 for a, b in zip(lrs, want)):
        raise AssertionError(
            both(
                "after scale_lr(opt, 0.5) and scale_lr(opt, 0.2) the three groups' learning rates should be "
                "[{want}], got [{got}]; change group['lr'] in every group of optimizer.param_groups "
                "(multiply, do not overwrite)",
                "调用 scale_lr(opt, 0.5) 和 scale_lr(opt, 0.2) 之后，三个参数组的学习率应为 [{want}]，"
                "实际是 [{got}]；请修改 optimizer.param_groups 中每个组的 group['lr']（乘上系数，不要直接覆盖）",
            ).format(want=", ".join(f"{lr:g}" for lr in want), got=", ".join(f"{lr:g}" for lr in lrs))
        )
    momenta = [group["momentum"] for group in groups]
    if momenta != [0.5] * 3:
        raise AssertionError(
            both(
                "scale_lr changed the groups' momentum to {momenta} (expected 0.5 each): change only 'lr'",
                "scale_lr 把各参数组的 momentum 改成了 {momenta}（每组都应为 0.5）：只修改 'lr'",
            ).format(momenta=momenta)
        )

    def reference_optimizer(model):
        optimizer = torch.optim.SGD(_three_groups(model, inputs["lrs"]), lr=inputs["lrs"][0], momentum=0.5)
        for group, lr in zip(optimizer.param_groups, want):
            group["lr"] = lr
        return optimizer

    _compare_path(
        got["steps"],
        reference_optimizer,
        spec,
        inputs["batches"],
        both("steps after scale_lr", "经过 scale_lr 缩放的 optimizer"),
        both(
            "step() reads the learning rate from optimizer.param_groups",
            "step() 从 optimizer.param_groups 读取学习率",
        ),
    )


# --- exercise 5: an update by hand -----------------------------------------------------------------

_SHAPES = ((5, 3), (5,), (2, 3, 1))
_NAMES = ("w", "b", "c")


def _momentum_loss(params, x, y):
    """A loss that touches every parameter in a different way (the exercise half's momentum_loss)."""
    w, b, c = params
    return ((torch.tanh(x @ w.T + b) - y) ** 2).mean() + 0.3 * (c**2).sum() + 0.1 * c.sum() * b.mean()


def _gradients(values, x, y):
    """The loss's gradient at the parameter values the child had before an update."""
    leaves = [v.detach().clone().requires_grad_() for v in values]
    _momentum_loss(leaves, x, y).backward()
    return [p.grad for p in leaves]


def _update_case(rng, dtype, lr, momentum, updates):
    return {
        "params": [torch.randn(shape, generator=rng, dtype=dtype) for shape in _SHAPES],
        "lr": lr,
        "momentum": momentum,
        "data": [
            (torch.randn(7, 3, generator=rng, dtype=dtype), torch.randn(7, 5, generator=rng, dtype=dtype))
            for _ in range(updates)
        ],
    }


def _check_update(got, befores, velocities, grads, lr, momentum, label: Text, atol=1e-6):
    """One update as the child saw it, against v = momentum * v + grad and p - lr * v worked out from
    the state before it; also the velocities a momentum hard-coded to 0.9 would give, to name that mistake."""
    for name, seen, before, velocity, grad in zip(_NAMES, got, befores, velocities, grads, strict=True):
        want_v = momentum * velocity + grad
        want_p = before - lr * want_v
        fixed_v = 0.9 * velocity + grad
        if not seen["same_param"]:
            raise AssertionError(
                both(
                    "sgd_momentum_update replaced {name} in the params list: change it in place",
                    "sgd_momentum_update 替换了 params 列表中的 {name}：请原地修改它",
                ).format(name=name)
            )
        if not seen["same_velocity"]:
            raise AssertionError(
                both(
                    "sgd_momentum_update put a new tensor into the velocities list for {name}: update the velocity "
                    "itself in place (v.mul_(momentum).add_(p.grad)), so whoever holds it sees the new value",
                    "sgd_momentum_update 在 velocities 列表中为 {name} 放入了一个新张量：请原地更新速度张量本身"
                    "（v.mul_(momentum).add_(p.grad)），这样所有持有它的代码都能看到新值",
                ).format(name=name)
            )
        if not (seen["is_leaf"] and seen["requires_grad"]):
            raise AssertionError(
                both(
                    "after {label}, {name} is no longer a leaf that requires grad (is_leaf={is_leaf}, "
                    "requires_grad={requires_grad}): do the update under torch.no_grad()",
                    "{label}之后，{name} 不再是需要梯度的叶子张量（is_leaf={is_leaf}，"
                    "requires_grad={requires_grad}）：请在 torch.no_grad() 下做更新",
                ).format(label=label, name=name, is_leaf=seen["is_leaf"], requires_grad=seen["requires_grad"])
            )
        p, v = seen["value"], seen["velocity"]
        velocity_ok = v.shape == want_v.shape and bool(torch.allclose(v.to(want_v.dtype), want_v, atol=atol, rtol=1e-4))
        if torch.equal(p, before):
            moved = float((want_p - before).abs().max())
            if velocity_ok:
                raise AssertionError(
                    both(
                        "{label} left {name} unchanged (expected it to move by up to {moved}) although its velocity "
                        "was updated: `p = p - lr * v` makes a new tensor and only rebinds a local name; change the "
                        "parameter itself in place (p -= lr * v, or p.sub_(lr * v)). Or p moved with the old "
                        "velocity (zeros at first): update v first, then move p with the new v",
                        "{label}没有改变 {name}（它本应最多移动 {moved}），但它的速度已经更新了："
                        "`p = p - lr * v` 会创建一个新张量，只是把局部变量名重新绑定到它上面；"
                        "请原地修改参数本身（p -= lr * v，或 p.sub_(lr * v)）。也可能是 p 用旧的速度移动了"
                        "（第一次时全为零）：先更新 v，再用新的 v 移动 p",
                    ).format(label=label, name=name, moved=f"{moved:.3g}")
                )
            raise AssertionError(
                both(
                    "{label} changed neither {name} (expected a move of up to {moved}) nor its velocity the way "
                    "v = momentum * v + grad asks: the update never reached the caller's tensors",
                    "{label}既没有改变 {name}（本应最多移动 {moved}），也没有按 v = momentum * v + grad "
                    "更新它的速度：更新根本没有作用到调用方的张量上",
                ).format(label=label, name=name, moved=f"{moved:.3g}")
            )
        if seen["grad"] is not None and bool((seen["grad"] != 0).any()):
            raise AssertionError(
                both(
                    "after {label}, {name}.grad still holds a gradient: clear it like zero_grad() "
                    "(p.grad = None or p.grad.zero_()), or the next backward() adds to it",
                    "{label}之后，{name}.grad 中仍留有梯度：请像 zero_grad() 那样清空它"
                    "（p.grad = None 或 p.grad.zero_()），否则下一次 backward() 会累加到上面",
                ).format(label=label, name=name)
            )
        if (
            not velocity_ok
            and v.shape == fixed_v.shape
            and torch.allclose(v.to(fixed_v.dtype), fixed_v, atol=atol, rtol=1e-4)
        ):
            raise AssertionError(
                both(
                    "the velocity of {name} after {label} is 0.9 * v + grad: use the momentum argument, not a fixed 0.9",
                    "{label}之后，{name} 的速度是 0.9 * v + grad：请使用参数 momentum，不要写死 0.9",
                ).format(label=label, name=name)
            )
        expect.close(
            v,
            want_v,
            name=both("the velocity of {name} after {label}", "{label}之后 {name} 的速度").format(
                label=label, name=name
            ),
            atol=atol,
            rtol=1e-4,
            why=both(
                "expected v = momentum * v + grad, updated in place in the velocities list "
                "(`v = momentum * v + g` only rebinds a local name, so the next call starts from the old velocity)",
                "应为 v = momentum * v + grad，并在 velocities 列表中原地更新"
                "（`v = momentum * v + g` 只是重新绑定局部变量名，下一次调用仍会从旧的速度开始）",
            ),
        )
        expect.close(
            p,
            want_p,
            name=both("{name} after {label}", "{label}之后的 {name}").format(label=label, name=name),
            atol=atol,
            rtol=1e-4,
            why=both(
                "expected p - lr * v with the new velocity v, changed in place",
                "应为 p - lr * v（v 是新的速度），并原地修改",
            ),
        )


def _judge_updates(case, seen):
    """Each hand-written update the child ran, checked on its own and next to torch.optim.SGD."""
    lr, momentum = case["lr"], case["momentum"]
    dtype = case["params"][0].dtype
    befores = list(case["params"])
    velocities = [torch.zeros_like(p) for p in befores]
    mirror = [p.clone().requires_grad_() for p in befores]
    reference_optimizer = torch.optim.SGD(mirror, lr=lr, momentum=momentum)
    for step, ((x, y), got) in enumerate(zip(case["data"], seen), start=1):
        # the Chinese label ends in a full-width bracket, so its sentences follow it without a space
        label = both(
            "update {step} (lr={lr}, momentum={momentum}, {dtype})",
            "第 {step} 次更新（lr={lr}，momentum={momentum}，{dtype}）",
        ).format(step=step, lr=lr, momentum=momentum, dtype=dtype)
        raised = got["raised"]
        # which hint fits: autograd's own words for an in-place change it was asked to record
        if (
            raised is not None
            and raised.type == "RuntimeError"
            and ("leaf Variable" in raised.message or "in-place operation" in raised.message)
        ):
            first = raised.message.splitlines()[0].rstrip(".")
            raise AssertionError(
                both(
                    "sgd_momentum_update raised at {label}: {first}; change the parameters inside "
                    "`with torch.no_grad():` so autograd does not record the update",
                    "sgd_momentum_update 在{label}时抛出了 {error}: {first}；"
                    "请在 `with torch.no_grad():` 中修改参数，这样自动求导就不会记录这次更新",
                ).format(label=label, error=raised.type, first=first)
            )
        expect.returned(
            raised, name=both("sgd_momentum_update at {label}", "sgd_momentum_update 在{label}时").format(label=label)
        )
        grads = _gradients(befores, x, y)
        _check_update(got["params"], befores, velocities, grads, lr, momentum, label)
        reference_optimizer.zero_grad()
        _momentum_loss(mirror, x, y).backward()
        reference_optimizer.step()
        for name, p, want in zip(_NAMES, got["params"], mirror):
            expect.close(
                p["value"],
                want,
                name=both(
                    "{name} after {label}, next to torch.optim.SGD", "与 torch.optim.SGD 对照，{label}之后的 {name}"
                ).format(label=label, name=name),
                atol=1e-5,
                rtol=1e-4,
                why=both(
                    "expected the same path as torch.optim.SGD(params, lr, momentum)",
                    "应与 torch.optim.SGD(params, lr, momentum) 的更新轨迹相同",
                ),
            )
        befores = [p["value"] for p in got["params"]]
        velocities = [p["velocity"] for p in got["params"]]
    assert len(seen) == len(case["data"]), both(
        "sgd_momentum_update ran {ran} of {total} updates (lr={lr}, momentum={momentum})",
        "sgd_momentum_update 只完成了 {total} 次更新中的 {ran} 次（lr={lr}，momentum={momentum}）",
    ).format(ran=len(seen), total=len(case["data"]), lr=lr, momentum=momentum)


def test_sgd_momentum_first_update(rng):
    """sgd_momentum_update: the first update moves p by -lr * grad and clears the gradient
    sgd_momentum_update：第一次更新把 p 移动 -lr * grad，并清空梯度"""
    cases = [_update_case(rng, torch.float32, 0.1, 0.9, 1)]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        _judge_updates(case, got)


@pytest.mark.points(2)
def test_sgd_momentum_matches_torch(rng):
    """sgd_momentum_update matches torch.optim.SGD over many updates, for any lr and momentum
    sgd_momentum_update 连续多次更新与 torch.optim.SGD 一致（任意 lr 与 momentum）"""
    cases = [_update_case(rng, torch.float32, 0.05, 0.9, 25), _update_case(rng, torch.float64, 0.2, 0.5, 6)]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        _judge_updates(case, got)
