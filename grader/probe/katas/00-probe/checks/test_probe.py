"""The device probe, judge half: a job under the real limits computes on its device and gets the CPU's answer."""

import torch

from grader import expect
from grader.bilingual import both


def test_device_computes(rng, device):
    """A small matrix product on the grading device equals the CPU's
    评分设备上的小矩阵乘法与 CPU 的结果相同"""
    data = torch.randn(3, 4, generator=rng)
    got = yield data
    expect.matches(
        got,
        data @ data.T,
        name=both(f"the product on {device}", f"{device} 上的乘积"),
        on=device,
        why=both("the device or its driver computes wrong values", "该设备或其驱动算出的数值不对"),
    )
