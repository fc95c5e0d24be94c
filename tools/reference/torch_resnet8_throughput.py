#!/usr/bin/env python3
"""Training throughput of PyTorch on the resnet8 the project benchmarks, for the comparison in docs/performance.md (training steps).

The same network as the zoo's resnet8 (RepDistiller's CIFAR ResNet-8 definition, the blocks of
zoo_param_counts.py) with a 1-channel input and 10 classes, the same step as adm-bench's
EngineStepBenchmark / TrainingStepBenchmark: batch 128 of 1x28x28 N(0,1) images with random labels,
cross-entropy, SGD with Nesterov momentum 0.9, lr 0.05, weight decay 5e-4. Prints images per second as JSON.

Run on an otherwise idle machine with Debian's PyTorch: /usr/bin/python3 tools/reference/torch_resnet8_throughput.py
"""
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(__file__))
from zoo_param_counts import Classifier, basic, conv_bn  # noqa: E402  (same blocks as the zoo reference)


def resnet8(in_channels=1, classes=10, filters=(16, 16, 32, 64)):
    layers = conv_bn(in_channels, filters[0], 3, 1, 1) + [nn.ReLU()]
    cin = filters[0]
    for stage, planes in enumerate(filters[1:]):
        block, cin = basic(cin, planes, 2 if stage > 0 else 1)
        layers.append(block)
    return Classifier(nn.Sequential(*layers), cin, classes)


def main(batch=128, warmup_steps=10, seconds=20.0):
    torch.manual_seed(1)
    torch.set_num_threads(os.cpu_count())  # as ND4J, which uses every core (Debian's build may default to 1)
    threads = torch.get_num_threads()
    net = resnet8().train()
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(batch, 1, 28, 28)
    y = torch.randint(0, 10, (batch,))

    def step():
        opt.zero_grad(set_to_none=True)
        _, logits = net(x)
        loss = loss_fn(logits, y)
        loss.backward()
        opt.step()

    for _ in range(warmup_steps):
        step()
    steps = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        step()
        steps += 1
    elapsed = time.perf_counter() - start
    print(json.dumps({"torch": torch.__version__, "threads": threads, "model": "resnet8", "input": [1, 28, 28],
                      "batch": batch, "params": sum(p.numel() for p in net.parameters()),
                      "steps": steps, "img_per_s": round(steps * batch / elapsed, 1)}))


if __name__ == "__main__":
    main()
