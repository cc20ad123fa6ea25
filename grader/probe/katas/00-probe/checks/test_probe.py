"""The device probe: a job under the real limits computes on its device and gets the CPU's answer."""

import torch


def test_device_computes(device):
    """A small matrix product on the grading device equals the CPU's
    评分设备上的小矩阵乘法与 CPU 的结果相同"""
    data = torch.arange(12.0).reshape(3, 4)
    on_device = data.to(device)
    got = (on_device @ on_device.T).cpu()
    assert torch.equal(got, data @ data.T), f"the product on {device} differs from the CPU's"
