#!/usr/bin/env python3
"""Reference parameter counts and `feat` shapes of the zoo, computed with PyTorch.

The architectures follow the public definitions that KD toolboxes use: the CIFAR models of
RepDistiller / mdistiller (models/resnet.py, wrn.py, vgg.py, resnetv2.py, mobilenetv2.py,
ShuffleNetv1.py, ShuffleNetv2.py) and
torchvision's ImageNet ResNets (taken from torchvision itself). The CIFAR ones are written here
compactly, layer for layer (same convolutions, channel counts, strides, batch norms and biases).

Only used to regenerate adm-models/src/test/resources/dev/adm/models/zoo/reference-param-counts.json
(Debian: apt-get install python3-torch python3-torchvision; run with /usr/bin/python3). Tests never
run Python: they read the JSON.
"""
import json
import os

import torch
import torch.nn as nn


def conv_bn(cin, cout, k, s, p, bias=False):
    return [nn.Conv2d(cin, cout, k, s, p, bias=bias), nn.BatchNorm2d(cout)]


class Residual(nn.Module):
    """y = relu(body(x) + shortcut(x)); shortcut is 1x1 conv + BN when the shape changes."""

    def __init__(self, body, cin, cout, stride):
        super().__init__()
        self.body = nn.Sequential(*body)
        self.short = (nn.Sequential(*conv_bn(cin, cout, 1, stride, 0))
                      if stride != 1 or cin != cout else nn.Identity())

    def forward(self, x):
        return torch.relu(self.body(x) + self.short(x))


def basic(cin, planes, stride):
    return Residual(conv_bn(cin, planes, 3, stride, 1) + [nn.ReLU()] + conv_bn(planes, planes, 3, 1, 1),
                    cin, planes, stride), planes


def bottleneck(cin, planes, stride):
    body = (conv_bn(cin, planes, 1, 1, 0) + [nn.ReLU()] + conv_bn(planes, planes, 3, stride, 1) + [nn.ReLU()]
            + conv_bn(planes, 4 * planes, 1, 1, 0))
    return Residual(body, cin, 4 * planes, stride), 4 * planes


class Classifier(nn.Module):
    def __init__(self, features, channels, classes):
        super().__init__()
        self.features = features
        self.fc = nn.Linear(channels, classes)

    def forward(self, x):
        f = self.features(x)
        return f, self.fc(f.mean((2, 3)))


def cifar_resnet(depth, filters, classes, in_channels=3):  # RepDistiller resnet.py
    n = (depth - 2) // 6
    layers = conv_bn(in_channels, filters[0], 3, 1, 1) + [nn.ReLU()]
    cin = filters[0]
    for stage, planes in enumerate(filters[1:]):
        for b in range(n):
            block, cin = basic(cin, planes, 2 if stage > 0 and b == 0 else 1)
            layers.append(block)
    return Classifier(nn.Sequential(*layers), cin, classes)


class WrnBlock(nn.Module):  # RepDistiller wrn.py BasicBlock (pre-activation), no dropout
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2, self.conv2 = nn.BatchNorm2d(cout), nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.short = None if cin == cout else nn.Conv2d(cin, cout, 1, stride, 0, bias=False)

    def forward(self, x):
        a = torch.relu(self.bn1(x))
        out = self.conv2(torch.relu(self.bn2(self.conv1(a))))
        return out + (x if self.short is None else self.short(a))


def wrn(depth, k, classes):
    n = (depth - 4) // 6
    widths = [16 * k, 32 * k, 64 * k]
    layers, cin = [nn.Conv2d(3, 16, 3, 1, 1, bias=False)], 16
    for stage, w in enumerate(widths):
        for b in range(n):
            layers.append(WrnBlock(cin, w, 2 if stage > 0 and b == 0 else 1))
            cin = w
    layers += [nn.BatchNorm2d(cin), nn.ReLU()]
    return Classifier(nn.Sequential(*layers), cin, classes)


VGG = {8: [[64], [128], [256], [512], [512]],
       11: [[64], [128], [256, 256], [512, 512], [512, 512]],
       13: [[64, 64], [128, 128], [256, 256], [512, 512], [512, 512]],
       16: [[64, 64], [128, 128], [256, 256, 256], [512, 512, 512], [512, 512, 512]],
       19: [[64, 64], [128, 128], [256, 256, 256, 256], [512, 512, 512, 512], [512, 512, 512, 512]]}


def vgg(depth, classes, size=32):  # RepDistiller vgg.py with batch norm: convs with bias; pool3 only at 64x64
    layers, cin = [], 3
    for i, block in enumerate(VGG[depth]):
        for v in block:
            layers += conv_bn(cin, v, 3, 1, 1, bias=True) + [nn.ReLU()]
            cin = v
        if i < 3 or (i == 3 and size == 64):
            layers.append(nn.MaxPool2d(2, 2))
    return Classifier(nn.Sequential(*layers), cin, classes)


class InvertedResidual(nn.Module):  # RepDistiller mobilenetv2.py (expand conv present even for t = 1)
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        h = cin * t
        self.res = stride == 1 and cin == cout
        self.conv = nn.Sequential(*(conv_bn(cin, h, 1, 1, 0) + [nn.ReLU()]
                                    + [nn.Conv2d(h, h, 3, stride, 1, groups=h, bias=False), nn.BatchNorm2d(h),
                                       nn.ReLU()] + conv_bn(h, cout, 1, 1, 0)))

    def forward(self, x):
        return x + self.conv(x) if self.res else self.conv(x)


def mobilenetv2(t, width, classes):
    setting = [[1, 16, 1, 1], [t, 24, 2, 1], [t, 32, 3, 2], [t, 64, 4, 2], [t, 96, 3, 1], [t, 160, 3, 2],
               [t, 320, 1, 1]]
    cin = int(32 * width)
    layers = conv_bn(3, cin, 3, 2, 1) + [nn.ReLU()]
    for tt, c, n, s in setting:
        out = int(c * width)
        for i in range(n):
            layers.append(InvertedResidual(cin, out, s if i == 0 else 1, tt))
            cin = out
    last = int(1280 * width) if width > 1.0 else 1280
    layers += conv_bn(cin, last, 1, 1, 0) + [nn.ReLU()]
    return Classifier(nn.Sequential(*layers), last, classes)


def cifar_resnet50(classes):  # RepDistiller resnetv2.py ResNet50
    layers, cin = conv_bn(3, 64, 3, 1, 1) + [nn.ReLU()], 64
    for stage, (planes, n) in enumerate(zip([64, 128, 256, 512], [3, 4, 6, 3])):
        for b in range(n):
            block, cin = bottleneck(cin, planes, 2 if stage > 0 and b == 0 else 1)
            layers.append(block)
    return Classifier(nn.Sequential(*layers), cin, classes)


def shuffle(x, g=2):
    n, c, h, w = x.shape
    return x.view(n, g, c // g, h, w).permute(0, 2, 1, 3, 4).reshape(n, c, h, w)


def dw_bn(c, stride):
    return [nn.Conv2d(c, c, 3, stride, 1, groups=c, bias=False), nn.BatchNorm2d(c)]


class ShuffleBasic(nn.Module):  # RepDistiller ShuffleNetv2.py BasicBlock (split ratio 0.5)
    def __init__(self, c):
        super().__init__()
        h = c // 2
        self.branch = nn.Sequential(*(conv_bn(h, h, 1, 1, 0) + [nn.ReLU()] + dw_bn(h, 1) + conv_bn(h, h, 1, 1, 0)
                                      + [nn.ReLU()]))

    def forward(self, x):
        h = x.shape[1] // 2
        return shuffle(torch.cat([x[:, :h], self.branch(x[:, h:])], 1))


class ShuffleDown(nn.Module):  # RepDistiller ShuffleNetv2.py DownBlock
    def __init__(self, cin, cout):
        super().__init__()
        mid = cout // 2
        self.left = nn.Sequential(*(dw_bn(cin, 2) + conv_bn(cin, mid, 1, 1, 0) + [nn.ReLU()]))
        self.right = nn.Sequential(*(conv_bn(cin, mid, 1, 1, 0) + [nn.ReLU()] + dw_bn(mid, 2)
                                     + conv_bn(mid, mid, 1, 1, 0) + [nn.ReLU()]))

    def forward(self, x):
        return shuffle(torch.cat([self.left(x), self.right(x)], 1))


def shufflenet_v2(classes):  # ShuffleV2, net size 1: (116, 232, 464, 1024), blocks (3, 7, 3)
    layers, cin = conv_bn(3, 24, 1, 1, 0) + [nn.ReLU()], 24
    for cout, n in zip((116, 232, 464), (3, 7, 3)):
        layers.append(ShuffleDown(cin, cout))
        layers += [ShuffleBasic(cout) for _ in range(n)]
        cin = cout
    layers += conv_bn(cin, 1024, 1, 1, 0) + [nn.ReLU()]
    return Classifier(nn.Sequential(*layers), 1024, classes)


class ShuffleV1Block(nn.Module):  # RepDistiller ShuffleNetv1.py Bottleneck
    def __init__(self, cin, cout, stride, groups):
        super().__init__()
        mid, g = cout // 4, (1 if cin == 24 else groups)
        self.g, self.stride = g, stride
        self.a = nn.Sequential(*(conv_bn_g(cin, mid, g) + [nn.ReLU()]))
        self.b = nn.Sequential(*(dw_bn(mid, stride) + [nn.ReLU()] + conv_bn_g(mid, cout, groups)))
        self.short = nn.AvgPool2d(3, stride=2, padding=1) if stride == 2 else nn.Identity()

    def forward(self, x):
        out = self.b(shuffle(self.a(x), self.g))
        res = self.short(x)
        return torch.relu(torch.cat([out, res], 1) if self.stride == 2 else out + res)


def conv_bn_g(cin, cout, groups):
    return [nn.Conv2d(cin, cout, 1, 1, 0, groups=groups, bias=False), nn.BatchNorm2d(cout)]


def shufflenet_v1(classes):  # ShuffleV1: out_planes (240, 480, 960), blocks (4, 8, 4), groups 3
    layers, cin = conv_bn(3, 24, 1, 1, 0) + [nn.ReLU()], 24
    for cout, n in zip((240, 480, 960), (4, 8, 4)):
        for i in range(n):
            layers.append(ShuffleV1Block(cin, cout - (cin if i == 0 else 0), 2 if i == 0 else 1, 3))
            cin = cout
    return Classifier(nn.Sequential(*layers), cin, classes)


class TorchvisionFeat(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        n = self.net
        f = n.layer4(n.layer3(n.layer2(n.layer1(n.maxpool(n.relu(n.bn1(n.conv1(x))))))))
        return f, n.fc(torch.flatten(n.avgpool(f), 1))


def main():
    import torchvision  # only here: the CIFAR blocks above serve other scripts without it

    cifar = {f"resnet{d}": (lambda d=d: cifar_resnet(d, [16, 16, 32, 64], 100)) for d in (8, 14, 20, 32, 44, 56, 110)}
    cifar["resnet8x4"] = lambda: cifar_resnet(8, [32, 64, 128, 256], 100)
    cifar["resnet32x4"] = lambda: cifar_resnet(32, [32, 64, 128, 256], 100)
    for d, k in ((16, 1), (16, 2), (40, 1), (40, 2)):
        cifar[f"wrn_{d}_{k}"] = (lambda d=d, k=k: wrn(d, k, 100))
    for d in VGG:
        cifar[f"vgg{d}"] = (lambda d=d: vgg(d, 100))
    cifar["mobilenetv2_half"] = lambda: mobilenetv2(6, 0.5, 100)
    cifar["shufflenet_v1"] = lambda: shufflenet_v1(100)
    cifar["shufflenet_v2"] = lambda: shufflenet_v2(100)
    cifar["resnet50"] = lambda: cifar_resnet50(100)
    imagenet = {f"resnet{d}_imagenet": (lambda d=d: TorchvisionFeat(getattr(torchvision.models, f"resnet{d}")()))
                for d in (18, 34, 50)}

    models = {}
    for table, size, classes, source in ((cifar, 32, 100, "RepDistiller/mdistiller CIFAR definition"),
                                         (imagenet, 224, 1000, "torchvision.models")):
        for name, make in table.items():
            net = make().eval()
            with torch.no_grad():
                feat, logits = net(torch.zeros(2, 3, size, size))
            assert logits.shape == (2, classes), name
            models[name] = {"classes": classes, "input": [3, size, size],
                            "params": sum(p.numel() for p in net.parameters()),
                            "feat": list(feat.shape[1:]), "reference": source}
    known = {"resnet8x4": 1233540, "resnet32x4": 7433860, "wrn_40_2": 2255156, "vgg13": 9462180,
             "resnet18_imagenet": 11689512}
    for name, count in known.items():
        assert models[name]["params"] == count, (name, models[name]["params"], count)
    out = os.path.join(os.path.dirname(__file__), "..", "..", "adm-models", "src", "test", "resources", "dev", "adm",
                       "models", "zoo", "reference-param-counts.json")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump({"generator": "tools/reference/zoo_param_counts.py", "torch": torch.__version__,
                   "torchvision": torchvision.__version__, "models": models}, f, indent=1)
    for name, m in models.items():
        print(f"{name:20s} {m['params']:>12,d} {m['feat']}")


if __name__ == "__main__":
    main()
