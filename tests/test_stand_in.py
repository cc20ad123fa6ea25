"""The stand-in accelerator an exercise half gives learner code: GPU-only mistakes fail on any grader."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.stand_in import STAND_IN, StandIn, StandInDevice, StandInStrict, plain


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


@pytest.mark.parametrize("kind", [StandIn, StandInStrict])
def test_code_that_names_the_stand_ins_device_gets_stand_ins_with_values(kind):
    """`device=x.device`, `.to(x.device)` and `torch.as_tensor(x)` are how correct code keeps tensors on
    a GPU: on the stand-in they give stand-ins that hold values, never empty tensors on the real meta
    device, and they mix with the stand-in even when it is strict."""
    t = _stand_in(kind)
    with StandInDevice(kind):
        made = {
            "factory with device=": torch.arange(3.0, device=t.device),
            "factory with a device string": torch.arange(3.0, device=STAND_IN),
            "a CPU tensor's .to(device)": torch.arange(3.0).to(t.device),
            "a CPU tensor's .to(stand-in)": torch.arange(3.0).to(t),
            "a CPU tensor's .type_as(stand-in)": torch.arange(3).type_as(t),
            "as_tensor of a stand-in": torch.as_tensor(t[0], dtype=torch.float64),
            "asarray of a stand-in": torch.asarray(t[0]),
            "the stand-in's own .to(device, dtype)": t[0].to(device=t.device, dtype=torch.float64),
            "the stand-in's own .to(device)": t[0].to(t.device),
        }
        for how, tensor in made.items():
            assert isinstance(tensor, kind) and tensor.device == torch.device(STAND_IN), how
            assert torch.equal(plain(tensor).double(), torch.arange(3.0, dtype=torch.float64)), how
            assert torch.equal(plain(t[0] + tensor).double(), torch.arange(0.0, 6.0, 2, dtype=torch.float64)), how
    assert type(torch.arange(3.0).to(t.device)) is torch.Tensor and torch.arange(3.0).to(t.device).is_meta  # off


def test_a_cpu_destination_stays_on_the_cpu():
    """An in-place copy into a CPU buffer, or a factory told device="cpu", is on the CPU as on a GPU."""
    t = _stand_in(StandInStrict)
    with StandInDevice(StandInStrict):
        buffer = torch.empty(2, 3)
        copied = buffer.copy_(t)
        like = torch.empty_like(t, device="cpu")
        assert type(copied) is torch.Tensor and copied is buffer and copied.numpy()[1, 2] == 5.0
        assert type(like) is torch.Tensor and like.shape == (2, 3)
        assert type(t.type_as(torch.zeros(1, dtype=torch.int64))) is torch.Tensor  # .type_as a CPU tensor moves


def test_packed_sequences_keep_their_lengths_on_the_cpu_as_on_a_gpu():
    """pack_padded_sequence takes CPU lengths on any device; its batch sizes stay on the CPU."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    x = torch.arange(12.0).reshape(3, 4, 1).as_subclass(StandInStrict)
    with StandInDevice(StandInStrict):
        packed = pack_padded_sequence(x, torch.tensor([4, 2, 3]), batch_first=True, enforce_sorted=False)
        padded, lengths = pad_packed_sequence(packed, batch_first=True)
    assert isinstance(packed.data, StandInStrict) and type(packed.batch_sizes) is torch.Tensor
    assert isinstance(padded, StandInStrict) and lengths.tolist() == [4, 2, 3]
    assert torch.equal(plain(padded)[0], torch.arange(4.0).reshape(4, 1))
