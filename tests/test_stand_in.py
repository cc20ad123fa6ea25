"""The stand-in accelerator an exercise half gives learner code: GPU-only mistakes fail on any grader."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.stand_in import STAND_IN, StandIn, StandInStrict, plain


def _stand_in(kind=StandIn):
    return torch.arange(6.0).reshape(2, 3).as_subclass(kind)


def test_it_reports_its_device_and_refuses_numpy_like_a_gpu_tensor():
    t = _stand_in()
    assert t.device == torch.device(STAND_IN) and not t.is_cpu
    for to_numpy in (lambda: t.numpy(), lambda: np.asarray(t), lambda: (t * 2).detach().numpy()):
        with pytest.raises(TypeError, match="Use Tensor.cpu"):
            to_numpy()
    assert isinstance(t * 2, StandIn)  # what is computed from it stays one


def test_copies_back_to_the_cpu_are_plain_tensors_with_its_values():
    t = _stand_in()
    for back in (t.cpu(), t.to("cpu"), t.to(torch.device("cpu")), plain(t)):
        assert type(back) is torch.Tensor and back.device.type == "cpu"
        assert np.array_equal(back.numpy(), np.arange(6.0).reshape(2, 3))
    assert np.array_equal(t.numpy(force=True), np.arange(6.0).reshape(2, 3))  # it copies itself, as on a GPU


@pytest.mark.parametrize("kind", [StandIn, StandInStrict])
def test_a_cpu_tensor_type_lands_on_the_cpu_and_a_dtype_keeps_the_device(kind):
    """`.type(torch.LongTensor)` names a CPU type, so from a GPU it copies to the CPU (a mistake the
    tensors and losses katas catch); a dtype such as `torch.long` keeps the device."""
    t = _stand_in(kind)
    for to_cpu in (t.type(torch.LongTensor), t.type("torch.LongTensor"), t.type(dtype=torch.FloatTensor)):
        assert type(to_cpu) is torch.Tensor and to_cpu.device.type == "cpu"
    assert to_cpu.dtype == torch.float32 and t.type(torch.LongTensor).dtype == torch.int64
    for kept in (t.type(torch.long), t.long()):
        assert isinstance(kept, kind) and kept.device == torch.device(STAND_IN)


def test_the_strict_one_refuses_cpu_tensors_in_an_operation_but_not_scalars_indexes_or_copies():
    t = _stand_in(StandInStrict)
    with pytest.raises(RuntimeError, match="same device"):
        t + torch.ones(3)
    assert torch.equal(plain(t + torch.tensor(1.0)), torch.arange(1.0, 7.0).reshape(2, 3))
    assert torch.equal(plain(t[torch.tensor([1])]), torch.tensor([[3.0, 4.0, 5.0]]))
    t[0] = torch.zeros(3)
    assert torch.equal(plain(t)[0], torch.zeros(3))
    assert torch.equal(plain(_stand_in() + torch.ones(3)), torch.arange(1.0, 7.0).reshape(2, 3))  # StandIn mixes
