#!/usr/bin/env python3
"""Training throughput of PyTorch on the steps adm-bench's EngineStepBenchmark measures, for `./adm bench --vs-pytorch`.

The same networks as the zoo's resnet8 and resnet20 (RepDistiller's CIFAR ResNets, the blocks of
zoo_param_counts.py) with a 1-channel input and 10 classes, and the same steps: batch 128 of 1x28x28 N(0,1)
images with random labels, SGD with Nesterov momentum 0.9, lr 0.05, weight decay 5e-4 per network.

  baseline  resnet8 alone: cross-entropy.
  dml       resnet20 and resnet8 together, as the engine's dml with its defaults (T=3, lambda=1):
            L_k = CE(z_k, y) + T^2 KL(sg p_l^T || p_k^T), each network's loss backpropagated to itself only.
  block     one conv3x3 (no bias) - BN - ReLU block of `--channels` channels at `--size` x `--size`, forward
            and backward with a fixed N(0,1) output gradient, no optimizer: adm-bench's ConvBlockBenchmark.

Prints one JSON line: images per second over `--seconds` after a warm-up.
Run with Debian's PyTorch on an otherwise idle machine:
  /usr/bin/python3 tools/reference/torch_step_throughput.py --step dml [--threads N] [--seconds S]
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from zoo_param_counts import cifar_resnet  # noqa: E402  (the zoo reference's definition)


def resnet(depth):
    """The zoo's resnet8 / resnet20 at 1x28x28 with 10 classes."""
    return cifar_resnet(depth, (16, 16, 32, 64), 10, in_channels=1)


def sgd(net):
    return torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)


def kl(target_logits, logits, t):
    """T^2 KL(softmax(target/T) || softmax(logits/T)), batch mean; the target is detached."""
    p = F.softmax(target_logits.detach() / t, dim=1)
    return t * t * F.kl_div(F.log_softmax(logits / t, dim=1), p, reduction="batchmean")


def block_fn(channels, size, batch):
    block = torch.nn.Sequential(torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False),
                                torch.nn.BatchNorm2d(channels), torch.nn.ReLU()).train()
    x = torch.randn(batch, channels, size, size, requires_grad=True)
    g = torch.randn(batch, channels, size, size)

    def step():
        x.grad = None
        block.zero_grad(set_to_none=True)
        block(x).backward(g)
    return [block], step


def step_fn(kind, x, y):
    if kind == "baseline":
        net = resnet(8).train()
        opt = sgd(net)
        nets = [net]

        def step():
            opt.zero_grad(set_to_none=True)
            F.cross_entropy(net(x)[1], y).backward()
            opt.step()
        return nets, step
    teacher, student = resnet(20).train(), resnet(8).train()
    opts = [sgd(teacher), sgd(student)]

    def step():
        for o in opts:
            o.zero_grad(set_to_none=True)
        z_t, z_s = teacher(x)[1], student(x)[1]
        loss_t = F.cross_entropy(z_t, y) + kl(z_s, z_t, 3.0)
        loss_s = F.cross_entropy(z_s, y) + kl(z_t, z_s, 3.0)
        (loss_t + loss_s).backward()  # the detached targets keep each loss on its own network
        for o in opts:
            o.step()
    return [teacher, student], step


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--step", choices=["baseline", "dml", "block"], default="baseline")
    ap.add_argument("--threads", type=int, default=os.cpu_count(),
                    help="intra-op threads (default: every core, as ND4J; Debian's build may default to 1)")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--channels", type=int, default=16, help="block only")
    ap.add_argument("--size", type=int, default=28, help="block only: height and width")
    args = ap.parse_args()
    torch.manual_seed(1)
    torch.set_num_threads(args.threads)
    x = torch.randn(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))
    if args.step == "block":
        nets, step = block_fn(args.channels, args.size, args.batch)
    else:
        nets, step = step_fn(args.step, x, y)
    for _ in range(10):
        step()
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < args.seconds:
        step()
        steps += 1
    elapsed = time.perf_counter() - start
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "step": args.step,
                      "input": [args.channels, args.size, args.size] if args.step == "block" else [1, 28, 28], "batch": args.batch,
                      "params": [sum(p.numel() for p in n.parameters()) for n in nets],
                      "steps": steps, "img_per_s": round(steps * args.batch / elapsed, 1)}))


if __name__ == "__main__":
    main()
