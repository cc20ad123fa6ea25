"""Hidden checks for the dynamic-graphs kata, judge half. Each docstring: English title, then Chinese title.

Each check makes its inputs (tensors, layer weights, tree shapes) from `rng` and the boundary cases
it needs, exercise_dynamic_graphs.py runs the learner's code on them in the grading child (backward
too), and the verdict compares the values, gradients and requires_grad flags that come back with
the same computation written out here.
"""

import torch
from torch import nn
from torch.nn import functional as F

from grader import expect
from grader.bilingual import Bilingual, Text, both
from grader.observations import Raised
from grader.stand_in import STAND_IN

_F64 = torch.float64


def _show(values):
    """A short list of a tensor's values for a message."""
    flat = [float(f"{v:.6g}") for v in values.reshape(-1).tolist()]
    return str(flat[0]) if values.dim() == 0 else str(flat)


def _matches_on(actual, expected, device, name: Text, why: Text = "") -> None:
    """Shape, dtype, values as `expected` (computed here, on the CPU), on `device`."""
    expect.shape(actual, expected.shape, name=name, why=why)
    expect.dtype(actual, expected.dtype, name=name, why=why)
    expect.device(actual, device, name=name, why=why)
    expect.close(actual, expected, name=name, why=why)


def _gradient_of(got, name: Text):
    assert got is not None, both("{name} is None: no gradient reached it", "{name} 是 None：没有梯度传到它").format(
        name=name
    )
    return got


def _a_grad_after(call: str) -> Bilingual:
    return both("a.grad after {call}.sum().backward()", "{call}.sum().backward() 之后的 a.grad").format(call=call)


def _unchanged_input(function: str) -> Bilingual:
    return both("{f} must not change its input", "{f} 不能修改它的输入").format(f=function)


# --- exercise 1: grow_until ----------------------------------------------------------------------


def _grow_until(a, limit=1000.0):
    b = a * 2
    while b.norm() < limit:
        b = b * 2
    return b if b.sum() > 0 else 100 * b


def _grow_inputs(rng):
    return [
        0.1 + 0.9 * torch.rand((), generator=rng),
        -1 - 2 * torch.rand((), generator=rng),
        torch.randn(5, generator=rng),
        -torch.rand(3, generator=rng) - 0.1,
        torch.randn(2, 3, generator=rng, dtype=_F64),
        torch.tensor(125.0),  # b reaches a norm of exactly 1000: `<` stops there, `<=` doubles once more
        torch.tensor([1.0, -1.0]),  # the sum is exactly 0, which is not > 0
        torch.tensor([1.0, -1.0 + 2.0**-11]),  # the sum ends at 0.5: positive, though below 1
        torch.tensor(2000.0),
    ]  # already past the limit: the loop never runs


def test_grow_until_values(rng):
    """grow_until doubles while the norm is small, then branches on the sign of the sum
    grow_until 在范数较小时不断翻倍，再根据和的正负选择分支"""
    cases = _grow_inputs(rng)
    limited = (0.1 + 0.2 * torch.rand(2, generator=rng)) * torch.tensor([1.0, -1.0])  # a norm far below 10 / 2
    seen = yield {"cases": cases, "limited": limited, "limit": 10.0}
    for a, got in zip(cases, seen["cases"], strict=True):
        label = _show(a)
        expect.matches(
            got["out"],
            _grow_until(a),
            name=f"grow_until({label})",
            why=both(
                "double b while b.norm() < limit, then return b if b.sum() > 0 else 100 * b",
                "当 b.norm() < limit 时不断把 b 翻倍，然后在 b.sum() > 0 时返回 b，否则返回 100 * b",
            ),
        )
        expect.matches(
            got["a_after"],
            a,
            name=both("a after grow_until({label})", "grow_until({label}) 之后的 a").format(label=label),
            why=both(
                "grow_until must not change its input: b = a * 2 is a new tensor, a *= 2 is not",
                "grow_until 不能修改它的输入：b = a * 2 会得到新张量，a *= 2 则不会",
            ),
        )
    expect.matches(
        seen["limited"],
        _grow_until(limited, 10.0),
        name=f"grow_until({_show(limited)}, limit=10.0)",
        why=both("use the limit argument, not a fixed 1000", "请使用参数 limit，不要写死 1000"),
    )


def test_grow_until_gradient(rng):
    """Gradients flow through grow_until's loop and branch back to a
    梯度穿过 grow_until 的循环和分支传回 a"""
    # Random weights on the sum make the gradient depend on the inputs beyond a power of 2, which
    # another job's answers would otherwise match by chance.
    cases = [{"a": a, "weights": torch.rand(a.shape, generator=rng, dtype=a.dtype) + 0.5} for a in _grow_inputs(rng)]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        a, weights = case["a"], case["weights"]
        call = f"grow_until({_show(a)})"
        if isinstance(got["out"], Raised) and "in-place" in got["out"].message:  # only picks the explanation
            raise AssertionError(
                both(
                    "{call} raised {error}: a is a leaf that requires grad, and an in-place change of it "
                    "(a *= 2, a.mul_(2), b = a; b *= 2) is refused; it would also change the caller's a. "
                    "Start from a new tensor: b = a * 2",
                    "{call} 抛出了 {error}：a 是需要梯度的叶子张量，对它的原地修改（a *= 2、a.mul_(2)、b = a; b *= 2）"
                    "会被拒绝，而且还会改动调用者的 a。请从一个新张量开始：b = a * 2",
                ).format(call=call, error=got["out"].describe())
            )
        out = expect.is_tensor(got["out"], name=call)
        assert out.requires_grad, both(
            "{call} returned a tensor with requires_grad=False: the graph was cut. "
            "Converting to a Python number (.item(), .tolist(), float()) and back to a tensor starts a new, "
            "untracked tensor; keep every step a tensor operation (only the loop condition may be a bool)",
            "{call} 返回的张量 requires_grad=False：计算图被切断了。先转成 Python 数（.item()、.tolist()、float()）"
            "再转回张量，得到的是一个新的、不被跟踪的张量；请让每一步都是张量运算（只有循环条件可以是 bool）",
        ).format(call=call)
        summed = f"({call} * weights).sum()"
        name = both("a.grad after {summed}.backward()", "{summed}.backward() 之后的 a.grad").format(summed=summed)
        expect.returned(got["backward"], name=f"{summed}.backward()")
        want = (_grow_until(a) / a).expand_as(a) * weights  # the result is a times a constant factor
        expect.close(
            _gradient_of(got["grad"], name),
            want,
            name=name,
            why=both(
                "d(result)/da is the factor that multiplied a (a power of 2, times 100 on the negative branch), "
                "times the weights {weights}",
                "d(result)/da 就是乘在 a 上的那个系数（2 的幂，在负数分支上再乘以 100），再乘以 weights {weights}",
            ).format(weights=_show(weights)),
        )


# --- exercise 2: RepeatNet -----------------------------------------------------------------------

_REPEAT_KEYS = ["first.weight", "first.bias", "middle.weight", "middle.bias", "last.weight", "last.bias"]

# (in_features, hidden, out_features): odd, non-square, and one where in_features == hidden
_REPEAT_SIZES = ((3, 6, 2), (5, 5, 1))


def _size(rng, low, high):
    """A random int in [low, high]."""
    return int(torch.randint(low, high + 1, (), generator=rng))


def _repeat_reference(w, x, depth):
    """RepeatNet's forward written out with the net's weights `w` (name -> tensor)."""
    h = F.relu(F.linear(x, w["first.weight"], w["first.bias"]))
    for _ in range(depth):
        h = F.relu(F.linear(h, w["middle.weight"], w["middle.bias"]))
    return F.linear(h, w["last.weight"], w["last.bias"])


def _repeat_weights(rng, n_in, hidden, n_out):
    """Weights for RepeatNet(n_in, hidden, n_out) by parameter name. Output 0 is negative for every
    input (a non-positive last.weight row on relu's non-negative h, a negative bias), so a relu after
    the last layer always shows."""
    shapes = ((hidden, n_in), (hidden,), (hidden, hidden), (hidden,), (n_out, hidden), (n_out,))
    weights = {name: torch.rand(shape, generator=rng) - 0.5 for name, shape in zip(_REPEAT_KEYS, shapes, strict=True)}
    weights["last.weight"][0] = -weights["last.weight"][0].abs()
    weights["last.bias"][0] = -weights["last.bias"][0].abs() - 0.1
    return weights


def _built(got, call):
    """The names of the net's parameters, once RepeatNet(...) was built; fails where they are not the README's."""
    expect.returned(got["net"], name=call)
    names = got["names"] if "names" in got else list(got["parameters"])
    assert sorted(names) == sorted(_REPEAT_KEYS), both(
        "{call} should have the parameters {want}, got {names}; create self.first, "
        "self.middle and self.last as nn.Linear layers in __init__",
        "{call} 的参数应为 {want}，实际是 {names}；请在 __init__ 中把 self.first、self.middle 和 self.last "
        "创建为 nn.Linear 层",
    ).format(call=call, want=_REPEAT_KEYS, names=names)
    return names


def test_repeat_net_parameters(rng):
    """RepeatNet registers first, middle and last once; forward adds no parameters
    RepeatNet 只注册一次 first、middle 和 last；forward 不会新增参数"""
    # and two nets sized here, one with in_features == hidden: the shapes that come back are this job's
    square = _size(rng, 2, 16)
    drawn = ((_size(rng, 2, 16), _size(rng, 2, 16), _size(rng, 1, 8)), (square, square, _size(rng, 1, 8)))
    cases = [
        {"sizes": sizes, "x": torch.randn(4, sizes[0], generator=rng), "depths": [0, 1, 4]}
        for sizes in _REPEAT_SIZES + drawn
    ]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        n_in, hidden, n_out = case["sizes"]
        call = f"RepeatNet({n_in}, {hidden}, {n_out})"
        _built(got, call)
        want = (n_in * hidden + hidden) + (hidden * hidden + hidden) + (hidden * n_out + n_out)
        assert got["count"] == want, both(
            "{call} should have {want} numbers in its parameters, got {count}",
            "{call} 的参数里应共有 {want} 个数，实际有 {count} 个",
        ).format(call=call, want=want, count=got["count"])
        shapes = {
            "first.weight": (hidden, n_in),
            "first.bias": (hidden,),
            "middle.weight": (hidden, hidden),
            "middle.bias": (hidden,),
            "last.weight": (n_out, hidden),
            "last.bias": (n_out,),
        }
        for name, shape in shapes.items():
            assert tuple(got["shapes"][name]) == shape, both(
                "{call}: {name} should have shape {shape}, got {got}: "
                "first = nn.Linear({n_in}, {hidden}), middle = nn.Linear({hidden}, {hidden}), "
                "last = nn.Linear({hidden}, {n_out}) (a Linear's weight is (out_features, in_features))",
                "{call}：{name} 的形状应为 {shape}，实际是 {got}："
                "first = nn.Linear({n_in}, {hidden})，middle = nn.Linear({hidden}, {hidden})，"
                "last = nn.Linear({hidden}, {n_out})（Linear 的 weight 形状是 (out_features, in_features)）",
            ).format(
                call=call, name=name, shape=shape, got=tuple(got["shapes"][name]), n_in=n_in, hidden=hidden, n_out=n_out
            )
        for depth in case["depths"]:
            after = expect.returned(got["counts_after"][depth], name=f"{call}.forward(x, depth={depth})")
            assert after == want, both(
                "after {call}.forward(x, depth={depth}) it has {after} parameter numbers instead of {want}: "
                "layers created inside forward get new random weights on every call and are never trained",
                "调用 {call}.forward(x, depth={depth}) 之后，参数里有 {after} 个数，而不是 {want} 个："
                "在 forward 里创建的层每次调用都会得到新的随机权重，而且永远不会被训练",
            ).format(call=call, depth=depth, after=after, want=want)


def test_repeat_net_forward(rng):
    """RepeatNet applies the same middle layer depth times
    RepeatNet 把同一个 middle 层应用 depth 次"""
    cases = [
        {
            "sizes": sizes,
            "weights": _repeat_weights(rng, *sizes),
            "x": torch.randn(batch, sizes[0], generator=rng),
            "depths": [0, 1, 3, 2],
        }
        for sizes, batch in zip(_REPEAT_SIZES, (5, 1))
    ]  # the depth may change from call to call
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        sizes, x = case["sizes"], case["x"]
        _built(got, f"RepeatNet{sizes}")
        expect.returned(
            got["loaded"],
            name=both(
                "RepeatNet{sizes}.load_state_dict(weights of the README's shapes)",
                "RepeatNet{sizes}.load_state_dict(形状符合 README 的权重)",
            ).format(sizes=sizes),
        )
        for depth, out in zip(case["depths"], got["outs"], strict=True):
            with torch.no_grad():
                want = _repeat_reference(case["weights"], x, depth)
            expect.matches(
                out,
                want,
                name=both(
                    "RepeatNet{sizes}(x of shape {shape}, depth={depth})",
                    "RepeatNet{sizes}(形状为 {shape} 的 x, depth={depth})",
                ).format(sizes=sizes, shape=tuple(x.shape), depth=depth),
                why=both(
                    "h = relu(first(x)), then depth times h = relu(middle(h)) with the one registered "
                    "middle layer, then last(h); a layer created inside forward has other, random weights",
                    "先 h = relu(first(x))，再用唯一注册的那个 middle 层做 depth 次 h = relu(middle(h))，"
                    "最后 last(h)；在 forward 里创建的层用的是另一套随机权重",
                ),
            )


def test_repeat_net_gradients(rng):
    """The reused middle layer collects the gradients of every repetition
    被重复使用的 middle 层累积每次重复的梯度"""
    sent = {
        "sizes": (3, 6, 2),
        "x": torch.randn(5, 3, generator=rng),
        "target": torch.randn(5, 2, generator=rng),
        "depth": 3,
        "depth_again": (1, 2, 4, 5)[int(torch.randint(4, (1,), generator=rng))],
    }
    seen = yield sent
    depth = sent["depth"]
    _built(seen, "RepeatNet(3, 6, 2)")
    expect.returned(seen["out"], name=f"RepeatNet(3, 6, 2)(x, depth={depth})")
    expect.returned(seen["backward"], name=both("backward() of the loss", "损失的 backward()"))
    _repeat_grads_match(seen["parameters"], seen["grads"], sent, depth)
    # The same x again at another depth: a graph kept from the first call (a cached first(x)) was
    # freed by the first backward, and its values are stale once the weights change.
    again = sent["depth_again"]
    call = f"RepeatNet(3, 6, 2)(x, depth={again})"
    expect.returned(
        seen["out_again"],
        name=both(
            "{call}, called after a first forward and backward on the same x",
            "在同一个 x 上先做过一次前向和反向传播之后，{call}",
        ).format(call=call),
    )
    if isinstance(seen["backward_again"], Raised):
        raised = seen["backward_again"]
        first = raised.message.split(" (")[0].split(". ")[0]  # torch's first sentence: the rest is advice
        raise AssertionError(
            both(
                "the second backward, after {call} on the same x, raised {error}: each forward must build its own "
                "graph from the inputs; keep no tensor from an earlier call (such as a cached first(x)), since "
                "backward frees the graph behind it",
                "在同一个 x 上调用 {call} 之后，第二次 backward 抛出了 {error}：每次前向传播都必须从输入出发构建自己的"
                "计算图；不要保留上一次调用得到的张量（例如缓存的 first(x)），因为 backward 会释放它背后的计算图",
            ).format(call=call, error=f"{raised.type}: {first}")
        )
    expect.returned(seen["backward_again"], name=both("backward() of the second loss", "第二个损失的 backward()"))
    _repeat_grads_match(seen["parameters"], seen["grads_again"], sent, again)


def _repeat_grads_match(parameters, grads, sent, depth):
    """The observed gradients are those of one forward at `depth` and one backward, from `parameters`."""
    copies = {name: p.detach().clone().requires_grad_(True) for name, p in parameters.items()}
    F.mse_loss(_repeat_reference(copies, sent["x"], depth), sent["target"]).backward()
    for name in ["middle.weight", "middle.bias", "first.weight", "first.bias", "last.weight", "last.bias"]:
        grad = grads.get(name)
        assert grad is not None, both(
            "{name}.grad is None after backward at depth={depth}: that layer was not used in forward "
            "(was a new layer created inside forward instead?)",
            "depth={depth} 时 backward 之后 {name}.grad 是 None：forward 没有用到这一层"
            "（是不是在 forward 里新建了一个层？）",
        ).format(name=name, depth=depth)
        expect.close(
            grad,
            copies[name].grad,
            name=both("{name}.grad at depth={depth}", "depth={depth} 时的 {name}.grad").format(name=name, depth=depth),
            why=both(
                "the middle layer's gradient is the sum over all its repetitions",
                "middle 层的梯度是它每一次重复使用所得梯度的总和",
            ),
        )


# --- exercise 3: rnn_last_hidden -----------------------------------------------------------------

_RNN_WHY = both(
    "each row must stop at its own length: running a sequence over its zero padding still changes its "
    "hidden state; start from zeros with x's dtype and device (x.new_zeros(batch, cell.hidden_size))",
    "每一行都必须在它自己的长度处停下：序列在补零的填充位上继续运行，仍会改变它的隐藏状态；"
    "初始状态用与 x 的 dtype 和设备相同的零张量（x.new_zeros(batch, cell.hidden_size)）",
)


_ON_STAND_IN = both(
    ". Here x, lengths and the cell's parameters stand in for tensors on a GPU, on any grader: their values are "
    f"real and their .device says {STAND_IN!r}; like GPU tensors they refuse to be mixed with CPU tensors, so "
    "make every tensor you need on x.device (x.new_zeros, or device=x.device)",
    f"。这里的 x、lengths 和 RNN 单元的参数在任何评分机器上都是 GPU 张量的替身：数值是真实的，.device 显示为 {STAND_IN!r}；"
    "和 GPU 张量一样，它们不能与 CPU 张量混用，所以你需要的每个张量都要建在 x.device 上（x.new_zeros，或 device=x.device）",
)


def _rnn_case(
    rng, kind="RNNCell", lengths=(7, 1, 4, 2, 5), max_len=7, dtype=torch.float32, on_device=False, stand_in=False
):
    """A cell's weights and a padded batch: 5 sequences (not max_len of them), zeros on the padding;
    on the job's device, or (stand_in) with the cell on a stand-in GPU (exercise_dynamic_graphs.py)."""
    gates = 4 * (3 if kind == "GRUCell" else 1)
    weights = {
        name: torch.rand(shape, generator=rng) - 0.5
        for name, shape in (
            ("weight_ih", (gates, 3)),
            ("weight_hh", (gates, 4)),
            ("bias_ih", (gates,)),
            ("bias_hh", (gates,)),
        )
    }
    lengths = torch.tensor(lengths)[torch.randperm(len(lengths), generator=rng)]
    x = torch.randn(len(lengths), max_len, 3, generator=rng, dtype=dtype)
    x[_padding(lengths, max_len)] = 0.0
    return {"kind": kind, "weights": weights, "x": x, "lengths": lengths, "on_device": on_device, "stand_in": stand_in}


def _padding(lengths, max_len):
    return torch.arange(max_len)[None, :] >= lengths[:, None]  # (batch, time): True on padding


def _cell(case):
    cell = getattr(nn, case["kind"])(3, 4)
    cell.load_state_dict(case["weights"])
    return cell.to(case["x"].dtype)


def _rnn_reference(cell, x, lengths):
    """One sequence at a time, each only up to its own length."""
    outs = []
    for i, length in enumerate(lengths.tolist()):
        h = x.new_zeros(1, cell.hidden_size)
        for t in range(length):
            h = cell(x[i : i + 1, t], h)
        outs.append(h)
    return torch.cat(outs)


def _rnn_call(case, where="cpu") -> Bilingual:
    x = case["x"]
    return both(
        "rnn_last_hidden({kind}, x of shape {shape} {dtype} on {device}, lengths={lengths})",
        "rnn_last_hidden({kind}, 形状为 {shape}、位于 {device} 的 {dtype} x, lengths={lengths})",
    ).format(
        kind=case["kind"],
        shape=tuple(x.shape),
        dtype=x.dtype,
        device=torch.device(where).type,
        lengths=case["lengths"].tolist(),
    )


def test_rnn_last_hidden(rng, device):
    """rnn_last_hidden returns each sequence's state after its own last step
    rnn_last_hidden 返回每个序列在它自己最后一步之后的状态"""
    cases = [
        _rnn_case(rng),
        _rnn_case(rng, "GRUCell"),
        _rnn_case(rng, dtype=_F64),
        _rnn_case(rng, "GRUCell", lengths=(3, 1, 2), max_len=5),  # every row padded at the end
        _rnn_case(rng, on_device=True),
        # On a stand-in GPU, so that a state made on the CPU fails on every grader, as on a GPU.
        _rnn_case(rng, "GRUCell", lengths=(6, 2, 5, 1, 3), max_len=6, stand_in=True),
    ]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        stand_in = case["stand_in"]
        where = device if case["on_device"] else torch.device("cpu")  # a stand-in's values come back on the CPU
        what, x, out = _rnn_call(case, STAND_IN if stand_in else where), case["x"], got["out"]
        off_cpu = stand_in or where.type != "cpu"
        if isinstance(out, Raised) and out.type == "RuntimeError" and (x.dtype != torch.float32 or off_cpu):
            raise AssertionError(
                both(
                    "{what} raised RuntimeError: {first}. With x in {dtype} on {device}, the starting state must "
                    "match x's dtype and device: h = x.new_zeros(batch, cell.hidden_size), not torch.zeros(...)"
                    "{about}",
                    "{what} 抛出了 RuntimeError: {first}。x 是位于 {device} 的 {dtype}，初始状态必须与 x 的 dtype "
                    "和设备一致：用 h = x.new_zeros(batch, cell.hidden_size)，而不是 torch.zeros(...){about}",
                ).format(
                    what=what,
                    first=out.message.splitlines()[0][:160] if out.message else "",
                    dtype=x.dtype,
                    device=STAND_IN if stand_in else where.type,
                    about=_ON_STAND_IN if stand_in else "",
                )
            )
        if stand_in:
            expect.returned(out, name=what)
            assert got["on_stand_in"], both(
                "{what} returned its result on the CPU, not on x's device: return the state on x's device "
                "(no .cpu() at the end){about}",
                "{what} 返回的结果在 CPU 上，而不在 x 所在的设备上：返回的状态应留在 x 的设备上"
                "（最后不要 .cpu()）{about}",
            ).format(what=what, about=_ON_STAND_IN)
        with torch.no_grad():
            want = _rnn_reference(_cell(case), x, case["lengths"])
        _matches_on(expect.returned(out, name=what), want, where, name=what, why=_RNN_WHY)
        _matches_on(
            got["x_after"],
            x,
            where,
            name=both("x after {what}", "{what} 之后的 x").format(what=what),
            why=_unchanged_input("rnn_last_hidden"),
        )


def test_rnn_ignores_padding(rng):
    """Changing the padding values does not change rnn_last_hidden's result
    改变填充值不会改变 rnn_last_hidden 的结果"""
    case = _rnn_case(rng)
    pad = _padding(case["lengths"], case["x"].shape[1])
    noisy = case["x"].clone()
    noisy[pad] = torch.randn(int(pad.sum()), 3, generator=rng) * 5
    seen = yield {**case, "noisy": noisy}
    what = _rnn_call(case)
    clean = expect.returned(seen["clean"], name=what)
    expect.close(
        expect.returned(
            seen["noisy"], name=both("{what} with other padding values", "填充值不同时的 {what}").format(what=what)
        ),
        clean,
        name=both("rnn_last_hidden with other padding values", "填充值不同时的 rnn_last_hidden"),
        why=both(
            "the result changed when only the padding changed: the loop reads past a sequence's "
            "length; stop each sequence at lengths[i] (or keep its state once t >= lengths[i])",
            "只改变了填充值，结果却变了：循环读到了序列长度之外；请让每个序列在 lengths[i] 处停下"
            "（或在 t >= lengths[i] 之后保持它的状态不变）",
        ),
    )
    with torch.no_grad():
        want = _rnn_reference(_cell(case), case["x"], case["lengths"])
    expect.close(clean, want, name=what, why=_RNN_WHY)


def test_rnn_gradients(rng):
    """Gradients of rnn_last_hidden reach the cell and the real inputs only
    rnn_last_hidden 的梯度传到 RNN 单元和真实输入，而不传到填充"""
    case = _rnn_case(rng)
    weights_out = torch.randn(5, 4, generator=rng)
    seen = yield {**case, "weights_out": weights_out}
    cell, x_ref = _cell(case), case["x"].clone().requires_grad_(True)
    (_rnn_reference(cell, x_ref, case["lengths"]) * weights_out).sum().backward()
    what = _rnn_call(case)
    out = expect.returned(seen["out"], name=what)
    expect.shape(out, (5, 4), name=what)
    expect.requires_grad(
        out,
        True,
        name=both("{what} for x with requires_grad=True", "x 的 requires_grad=True 时，{what}").format(what=what),
        why=both(
            "the result must stay in the autograd graph of the cell and x",
            "结果必须留在 cell 和 x 的自动求导计算图中",
        ),
    )
    if isinstance(seen["backward"], Raised):
        raise AssertionError(
            both(
                "backward failed ({error}): a tensor needed for the gradient was modified by an in-place "
                "operation (h[mask] = ... or h[:, ...] = ... overwrites the h the cell saved); build a new h each "
                "step, e.g. h = torch.where(mask, new_h, h)",
                "backward 失败（{error}）：计算梯度所需的某个张量被原地操作修改了"
                "（h[mask] = ... 或 h[:, ...] = ... 会覆盖 cell 保存的 h）；请每一步都构造新的 h，"
                "例如 h = torch.where(mask, new_h, h)",
            ).format(error=seen["backward"].type)
        )
    for name, p in cell.named_parameters():
        grad = seen["grads"][name]
        assert grad is not None, both(
            "cell.{name}.grad is None: the result does not depend on the cell",
            "cell.{name}.grad 是 None：结果不依赖于 cell",
        ).format(name=name)
        expect.close(
            grad,
            p.grad,
            name=f"cell.{name}.grad",
            why=both(
                "the gradient must flow back through every real step of each sequence: no .detach() of the state "
                "between steps (that is truncated backpropagation, not this exercise)",
                "梯度必须沿每个序列的每一个真实时间步反向传播：不要在时间步之间对状态调用 .detach()"
                "（那是截断的反向传播，不是本题的要求）",
            ),
        )
    assert seen["x_grad"] is not None, both(
        "x.grad is None: the result does not depend on the inputs x", "x.grad 是 None：结果不依赖于输入 x"
    )
    expect.close(
        seen["x_grad"],
        x_ref.grad,
        name="x.grad",
        why=both(
            "the gradient on padding positions must be 0 and on real steps as in a per-sequence loop",
            "填充位置上的梯度必须为 0，真实时间步上的梯度应与逐个序列循环时相同",
        ),
    )


# --- exercise 4: tree_encode ---------------------------------------------------------------------


def _tree_case(rng, features):
    """Layers and 5 leaves of `features` values; the hidden size is drawn."""

    def linear(n_in, n_out):
        return {
            "weight": 0.5 * torch.randn(n_out, n_in, generator=rng),
            "bias": 0.5 * torch.randn(n_out, generator=rng),
        }

    hidden = int(torch.randint(3, 7, (1,), generator=rng))
    return {
        "leaf": linear(features, hidden),
        "combine": linear(2 * hidden, hidden),
        "leaves": [torch.randn(features, generator=rng) for _ in range(5)],
    }


def _layers(case):
    return (
        lambda x: F.linear(x, case["leaf"]["weight"], case["leaf"]["bias"]),
        lambda x: F.linear(x, case["combine"]["weight"], case["combine"]["bias"]),
    )


def _tree_reference(shape, leaves, leaf, combine):
    """A leaf index encodes to tanh(leaf(x)); a pair to tanh(combine(cat([left, right])))."""
    if isinstance(shape, int):
        return torch.tanh(leaf(leaves[shape]))
    return torch.tanh(
        combine(
            torch.cat(
                [_tree_reference(shape[0], leaves, leaf, combine), _tree_reference(shape[1], leaves, leaf, combine)]
            )
        )
    )


def _tree_name(shape):
    return "abcde"[shape] if isinstance(shape, int) else f"({_tree_name(shape[0])}, {_tree_name(shape[1])})"


def test_tree_encode(rng):
    """tree_encode follows the shape of each tree
    tree_encode 按照每棵树的形状进行编码"""
    case = _tree_case(rng, features=2)  # a leaf of 2 values: len(tree) == 2 does not tell a pair
    shapes = [0, (0, 1), ((0, 1), 2), (0, (1, 2)), ((0, 1), (2, (3, 4)))]  # int: the index of a leaf
    seen = yield {**case, "shapes": shapes}
    leaf, combine = _layers(case)
    for shape, got in zip(shapes, seen, strict=True):
        expect.matches(
            got,
            _tree_reference(shape, case["leaves"], leaf, combine),
            name=f"tree_encode({_tree_name(shape)})",
            why=both(
                "a leaf is tanh(leaf(x)); a pair is tanh(combine(cat([enc(left), enc(right)]))), "
                "recursively: ((a, b), c) and (a, (b, c)) are different trees; tell a leaf by its type "
                "(isinstance(tree, torch.Tensor)), not by len(tree) == 2, which a leaf of 2 values also has",
                "叶子编码为 tanh(leaf(x))；一对子树编码为 tanh(combine(cat([enc(left), enc(right)])))，"
                "递归进行：((a, b), c) 和 (a, (b, c)) 是不同的树；要按类型识别叶子"
                "（isinstance(tree, torch.Tensor)），而不是看 len(tree) == 2：有 2 个值的叶子长度也是 2",
            ),
        )


def test_tree_encode_gradients(rng):
    """Gradients of tree_encode reach both layers and every leaf
    tree_encode 的梯度传到两个层和每个叶子"""
    case = _tree_case(rng, features=int(torch.randint(3, 7, (1,), generator=rng)))
    shape = (0, ((1, 2), (3, 4)))
    seen = yield {**case, "shape": shape}
    params = {
        f"{layer}.{name}": value.clone().requires_grad_(True)
        for layer in ("leaf", "combine")
        for name, value in case[layer].items()
    }
    leaves = [t.clone().requires_grad_(True) for t in case["leaves"]]
    _tree_reference(
        shape,
        leaves,
        lambda x: F.linear(x, params["leaf.weight"], params["leaf.bias"]),
        lambda x: F.linear(x, params["combine.weight"], params["combine.bias"]),
    ).sum().backward()
    call = f"tree_encode({_tree_name(shape)})"
    expect.requires_grad(
        seen["out"],
        True,
        name=call,
        why=both("the result must stay in the autograd graph", "结果必须留在自动求导的计算图中"),
    )
    expect.returned(seen["backward"], name=f"{call}.sum().backward()")
    for name, p in params.items():
        grad = seen["grads"][name]
        assert grad is not None, both(
            "{name}.grad is None: that layer was not used", "{name}.grad 是 None：没有用到这一层"
        ).format(name=name)
        expect.close(grad, p.grad, name=f"{name}.grad")
    for letter, got, ref in zip("abcde", seen["leaf_grads"], leaves, strict=True):
        assert got is not None, both(
            "the leaf {letter} got no gradient: it was not used", "叶子 {letter} 没有得到梯度：没有用到它"
        ).format(letter=letter)
        expect.close(
            got, ref.grad, name=both("the gradient of leaf {letter}", "叶子 {letter} 的梯度").format(letter=letter)
        )


# --- exercise 5: newton_sqrt ---------------------------------------------------------------------


def _newton_inputs(rng, dtype):
    # 1e-8: an absolute tolerance (|x * x - a| > tol) stops near 1e-3 there, ten times the root;
    # 1234.5 and 1e4 need more steps than a short fixed loop gives
    exponents = torch.rand(3, generator=rng, dtype=_F64) * 11 - 6
    # kept away from 1, where the start (a + 1) / 2 already passes and its gradient 1/2 is not 1 / (2 sqrt(a))
    exponents = torch.where(exponents.abs() < 0.1, exponents + 0.5, exponents)
    special = torch.tensor([1e-8, 0.01, 0.5, 1.0, 2.0, 9.0, 1234.5, 1e4], dtype=_F64)
    return torch.cat([special, 10**exponents]).to(dtype)


def _newton(a, tol):
    """The README's iteration, step for step."""
    x = (a + 1) / 2
    while ((x * x - a).abs() > tol * a).any():
        x = (x + a / x) / 2
    return x


def test_newton_sqrt_values(rng):
    """newton_sqrt iterates until every square root has converged
    newton_sqrt 迭代到每个平方根都收敛为止"""
    rtols = {_F64: 1e-6, torch.float32: 1e-5}
    cases = [_newton_inputs(rng, dtype) for dtype in rtols]
    tight = 2 + 20 * torch.rand(2, generator=rng, dtype=_F64)
    seen = yield {"cases": cases, "tight": tight, "tol": 1e-14}
    for a, got in zip(cases, seen["cases"], strict=True):
        expect.matches(
            got["out"],
            a.sqrt(),
            name=both("newton_sqrt({a}) in {dtype}", "{dtype} 下的 newton_sqrt({a})").format(a=_show(a), dtype=a.dtype),
            rtol=rtols[a.dtype],
            atol=0.0,
            why=both(
                "stop only when |x * x - a| <= tol * a for every element (a relative test: tol * a, "
                "not tol alone, or the tiny values stop far too early); a fixed number of steps is "
                "not enough for large a (starting from (a + 1) / 2)",
                "只有当每个元素都满足 |x * x - a| <= tol * a 时才停止（这是相对判据：用 tol * a，"
                "而不是单独的 tol，否则很小的值会过早停下）；对很大的 a，固定步数是不够的"
                "（起点是 (a + 1) / 2）",
            ),
        )
        expect.matches(
            got["a_after"],
            a,
            name=both("a after newton_sqrt(a)", "newton_sqrt(a) 之后的 a"),
            why=_unchanged_input("newton_sqrt"),
        )
    expect.close(
        seen["tight"],
        tight.sqrt(),
        name=f"newton_sqrt({_show(tight)}, tol=1e-14)",
        rtol=1e-12,
        atol=0.0,
        why=both("use the tol argument", "请使用参数 tol"),
    )


def test_newton_sqrt_steps(rng):
    """newton_sqrt starts at (a + 1) / 2 and stops as soon as every |x * x - a| <= tol * a
    newton_sqrt 从 (a + 1) / 2 开始，一旦每个 |x * x - a| <= tol * a 就停止"""
    # A coarse tol makes the stopping point visible: the result is the first iterate that passes.
    # a = 4 with tol = 0.5625: |2.5 * 2.5 - 4| equals tol * a exactly, so the start itself passes.
    # One element each: freezing the elements that already pass is a fine variant with more elements.
    fixed = [([4.0], 0.5), ([0.25], 0.5), ([9.0], 0.5), ([4.0], 0.5625), ([2.0], 0.01), ([7.0], 0.01)]
    drawn = [([2 + 50 * float(torch.rand((), generator=rng, dtype=_F64))], tol) for tol in (0.5, 0.1, 0.01)]
    cases = [{"a": torch.tensor(values, dtype=_F64), "tol": tol} for values, tol in fixed + drawn]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        a, tol = case["a"], case["tol"]
        expect.matches(
            got,
            _newton(a, tol),
            name=f"newton_sqrt({_show(a)}, tol={tol})",
            rtol=1e-10,
            atol=0.0,
            why=both(
                "start from x = (a + 1) / 2; test |x * x - a| > tol * a before each step (the start "
                "may already be close enough) and stop at the first x where no element fails it",
                "从 x = (a + 1) / 2 开始；每一步之前先检查 |x * x - a| > tol * a（起点可能已经足够接近），"
                "在第一个所有元素都满足条件的 x 处停止",
            ),
        )


def test_newton_sqrt_gradient(rng):
    """Gradients flow through every Newton step: d sqrt(a) / da = 1 / (2 sqrt(a))
    梯度流过牛顿法的每一步：d sqrt(a) / da = 1 / (2 sqrt(a))"""
    # [1.0]: the start (a + 1) / 2 = 1 is already the root, so no step runs and the gradient is the start's
    cases = [{"a": _newton_inputs(rng, _F64), "tol": None}, {"a": torch.tensor([1.0], dtype=_F64), "tol": None}]
    # A coarse tol stops before convergence, where the gradient through every step differs from that of
    # the last step alone (earlier steps detached or run under no_grad): 0.29 against 0.2 for a = 4.
    # One element each, as in test_newton_sqrt_steps.
    coarse = [([4.0], 0.5)] + [([2 + 50 * float(torch.rand((), generator=rng, dtype=_F64))], tol) for tol in (0.5, 0.1)]
    cases += [{"a": torch.tensor(values, dtype=_F64), "tol": tol} for values, tol in coarse]
    seen = yield cases
    for case, got in zip(cases, seen, strict=True):
        values, tol = case["a"], case["tol"]
        call = f"newton_sqrt({_show(values)})" if tol is None else f"newton_sqrt({_show(values)}, tol={tol})"
        expect.requires_grad(
            got["out"],
            True,
            name=both("{call} for a with requires_grad=True", "a 的 requires_grad=True 时，{call}").format(call=call),
            why=both(
                "keep every step, the start included, a tensor operation on a "
                "(no .item(), .detach() or torch.tensor(...))",
                "每一步（包括起点）都必须是对 a 的张量运算（不要用 .item()、.detach() 或 torch.tensor(...)）",
            ),
        )
        if isinstance(got["backward"], Raised):
            raise AssertionError(
                both(
                    "backward failed ({error}): x was modified by an in-place operation (x -= ..., "
                    "x /= ...) after autograd saved it; write x = (x + a / x) / 2 so each step makes a new tensor",
                    "backward 失败（{error}）：自动求导保存 x 之后，x 又被原地操作修改了（x -= ...、x /= ...）；"
                    "请写成 x = (x + a / x) / 2，让每一步都生成新张量",
                ).format(error=got["backward"].type)
            )
        name = _a_grad_after(call)
        if tol is None:
            expect.close(
                _gradient_of(got["grad"], name),
                0.5 / values.sqrt(),
                name=name,
                rtol=1e-4,
                atol=0.0,
                why=both("the gradient should approach 1 / (2 sqrt(a))", "梯度应接近 1 / (2 sqrt(a))"),
            )
            continue
        a = values.clone().requires_grad_(True)
        _newton(a, tol).sum().backward()
        expect.close(
            _gradient_of(got["grad"], name),
            a.grad,
            name=name,
            rtol=1e-8,
            atol=0.0,
            why=both(
                "with a coarse tol the iteration stops before it converges, and the gradient must follow every "
                "step taken, the start included: no .detach(), torch.no_grad() or .data on the earlier steps",
                "tol 较粗时迭代在收敛之前就会停下，梯度必须沿着实际走过的每一步（包括起点）传回："
                "不要对前面的步骤使用 .detach()、torch.no_grad() 或 .data",
            ),
        )
