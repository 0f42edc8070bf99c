#!/usr/bin/python3
"""Writes the CNN test fixture of tests/check_cnn.c, check_embed.c and
check_bind_embed.c (run on a developer's machine; the suite needs only what
it writes):

  tiny_resnet.onnx   a small ResNet-shaped network with random weights: conv
                     7x7/2, batch norm, ReLU, max pool, a basic residual block
                     (two 3x3 convs, identity add), a downsampling block (1x1
                     conv shortcut), global average pool (16 numbers), fc
  images/*.png, instances.json
                     three test images (colour, tall, gray) and six instances
                     as uncompressed RLE (one with an empty mask)
  expected.npy       PyTorch's global-average-pool output for each instance
                     (float32, 6 x 16), from this script's own copy of the
                     preprocessing: crop to the mask's box, background zeroed,
                     scaled to fit 64 x 64 keeping the aspect ratio (area
                     averaging when shrinking, bilinear when growing, as
                     runtime/image.c, rounded to 8 bits), centred on black,
                     gray copied to RGB, (v / 255 - mean) / std with
                     ImageNet's mean and std
  two_heads.onnx     a network with two global average pools on separate
                     branches (the default output is ambiguous)
  squeeze_excite.onnx
                     a squeeze-and-excitation block's pool, then the final
                     pool (the default output is the final one)
  mlp.onnx           a model whose input is a vector, not an image
  einsum.onnx        a model with an operator OpenCV 4.6 does not import
  not_onnx.onnx      a text file

Usage: /usr/bin/python3 tests/data/cnn/make_fixture.py   (PyTorch 1.13, onnx)
"""
import json
import math
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
from onnx import TensorProto, helper
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE = 64
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


def bn(c):
    b = nn.BatchNorm2d(c)
    b.weight.data.uniform_(0.5, 1.5)
    b.bias.data.uniform_(-0.2, 0.2)
    b.running_mean.uniform_(-0.2, 0.2)
    b.running_var.uniform_(0.5, 1.5)
    return b


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = bn(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = bn(cout)
        self.relu = nn.ReLU()
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), bn(cout))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + (x if self.down is None else self.down(x)))


class TinyResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 7, 2, 3, bias=False)
        self.bn1 = bn(8)
        self.relu = nn.ReLU()
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = Block(8, 8, 1)
        self.layer2 = Block(8, 16, 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 5)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer2(self.layer1(x))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class TwoHeads(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, 2, 1)
        self.a = nn.Conv2d(4, 6, 3, 1, 1)
        self.b = nn.Conv2d(4, 5, 3, 1, 1)
        self.pool_a = nn.AdaptiveAvgPool2d(1)
        self.pool_b = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        return torch.cat([torch.flatten(self.pool_a(self.a(x)), 1),
                          torch.flatten(self.pool_b(self.b(x)), 1)], 1)


class SqueezeExcite(nn.Module):
    """A stem, a squeeze-and-excitation block (its own global average pool,
    which the final pool follows), a conv and the final pool: 12 numbers."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, 2, 1)
        self.se_pool = nn.AdaptiveAvgPool2d(1)
        self.se_down = nn.Conv2d(8, 2, 1)
        self.se_up = nn.Conv2d(2, 8, 1)
        self.conv = nn.Conv2d(8, 12, 3, 1, 1)
        self.avgpool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = torch.relu(self.stem(x))
        s = torch.sigmoid(self.se_up(torch.relu(self.se_down(self.se_pool(x)))))
        x = torch.relu(self.conv(x * s))
        return torch.flatten(self.avgpool(x), 1)


def export(model, path):
    # PRESERVE keeps BatchNormalization as its own node (EVAL would fold it
    # into the convolutions), so OpenCV's batch norm is tested too.
    torch.onnx.export(model, torch.zeros(1, 3, SIZE, SIZE), path, input_names=["image"],
                      output_names=["out"], opset_version=13, do_constant_folding=False,
                      training=torch.onnx.TrainingMode.PRESERVE,
                      dynamic_axes={"image": {0: "batch"}, "out": {0: "batch"}})


# ---- maskclean's preprocessing, step by step (runtime/image.c)

def axis(n_in, n_out):
    """(first, weights) of each output sample, as s_axis_make."""
    scale = n_in / n_out
    if n_out < n_in:
        taps = math.ceil(scale) + 1
        first, wts = [], []
        for o in range(n_out):
            lo, hi = o * scale, (o + 1) * scale
            hi = min(hi, n_in)
            i0 = math.floor(lo)
            w = [0.0] * taps
            for k in range(taps):
                if i0 + k >= n_in:
                    break
                left, right = max(lo, i0 + k), min(hi, i0 + k + 1)
                if right > left:
                    w[k] = (right - left) / scale
            first.append(i0)
            wts.append(w)
        return first, wts
    first, wts = [], []
    for o in range(n_out):
        s = (o + 0.5) * scale - 0.5
        s = min(max(s, 0), n_in - 1)
        i0 = math.floor(s)
        if i0 > n_in - 2:
            i0 = n_in - 2 if n_in > 1 else 0
        first.append(i0)
        wts.append([1 - (s - i0), s - i0] if n_in > 1 else [1.0, 0.0])
    return first, wts


def resize(img, w, h):
    """img (H x W x C uint8) to h x w, as mc_image_resize (doubles, same order)."""
    src = img.astype(np.float64)
    fx, wx = axis(src.shape[1], w)
    fy, wy = axis(src.shape[0], h)
    tmp = np.zeros((src.shape[0], w, src.shape[2]))
    for x in range(w):
        acc = np.zeros((src.shape[0], src.shape[2]))
        for k, wt in enumerate(wx[x]):
            if wt != 0:
                acc = acc + wt * src[:, fx[x] + k, :]
        tmp[:, x, :] = acc
    out = np.zeros((h, w, src.shape[2]), np.uint8)
    for y in range(h):
        acc = np.zeros((w, src.shape[2]))
        for k, wt in enumerate(wy[y]):
            if wt != 0:
                acc = acc + wt * tmp[fy[y] + k, :, :]
        out[y] = np.clip(np.floor(acc + 0.5), 0, 255).astype(np.uint8)
    return out


def isolate(img, mask, size):
    """The article's isolated instance, as mc_instance_isolate with pad 0."""
    sq = np.zeros((size, size, img.shape[2]), np.uint8)
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return sq
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    crop = img[y0:y1, x0:x1].copy()
    crop[mask[y0:y1, x0:x1] == 0] = 0
    cw, ch = x1 - x0, y1 - y0
    scale = size / max(cw, ch)
    nw = min(max(math.floor(cw * scale + 0.5), 1), size)
    nh = min(max(math.floor(ch * scale + 0.5), 1), size)
    scaled = resize(crop, nw, nh)
    oy, ox = (size - nh) // 2, (size - nw) // 2
    sq[oy:oy + nh, ox:ox + nw] = scaled
    return sq


def network_input(img, mask):
    sq = isolate(img, mask, SIZE)
    if sq.shape[2] == 1:
        sq = np.repeat(sq, 3, axis=2)
    x = np.empty((3, SIZE, SIZE), np.float32)
    for c in range(3):
        x[c] = ((sq[:, :, c] / 255.0 - MEAN[c]) / STD[c]).astype(np.float32)
    return x


# ---- test images and masks

def rle(mask):
    """Uncompressed COCO RLE (column-major runs, starting with background)."""
    flat = mask.flatten(order="F")
    counts, cur, run = [], 0, 0
    for v in flat:
        if v != cur:
            counts.append(run)
            cur, run = v, 0
        run += 1
    counts.append(run)
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": [int(c) for c in counts]}


def ellipse(h, w, cx, cy, rx, ry):
    yy, xx = np.mgrid[0:h, 0:w]
    return (((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1).astype(np.uint8)


def picture(rng, h, w, channels):
    yy, xx = np.mgrid[0:h, 0:w]
    base = [128 + 100 * np.sin(xx / (5 + 3 * c) + yy / (7 + 2 * c) + c) for c in range(channels)]
    img = np.stack(base, axis=2) + rng.normal(0, 20, (h, w, channels))
    return np.clip(img, 0, 255).astype(np.uint8)


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    net = TinyResNet().eval()
    export(net, os.path.join(HERE, "tiny_resnet.onnx"))
    export(TwoHeads().eval(), os.path.join(HERE, "two_heads.onnx"))
    export(SqueezeExcite().eval(), os.path.join(HERE, "squeeze_excite.onnx"))

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    w = helper.make_tensor("w", TensorProto.FLOAT, [4, 16], rng.normal(size=64).tolist())
    g = helper.make_graph([helper.make_node("Gemm", ["x", "w"], ["y"], name="fc", transB=1)],
                          "mlp", [x], [y], [w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(HERE, "mlp.onnx"))
    x = helper.make_tensor_value_info("image", TensorProto.FLOAT, [1, 3, SIZE, SIZE])
    y = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, SIZE, SIZE])
    g = helper.make_graph([helper.make_node("Relu", ["image"], ["r"], name="relu"),
                           helper.make_node("Einsum", ["r"], ["out"], name="mix",
                                            equation="nchw->nchw")],
                          "einsum", [x], [y])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]),
              os.path.join(HERE, "einsum.onnx"))
    with open(os.path.join(HERE, "not_onnx.onnx"), "w") as f:
        f.write("This is a text file, not an ONNX model.\n")

    os.makedirs(os.path.join(HERE, "images"), exist_ok=True)
    images = [("wide.png", picture(rng, 72, 96, 3)),
              ("tall.png", picture(rng, 120, 40, 3)),
              ("gray.png", picture(rng, 80, 80, 1))]
    masks = [  # (image index, mask)
        (0, ellipse(72, 96, 40, 30, 30, 18)),            # shrinks: 61 x 37
        (0, ellipse(72, 96, 80, 55, 9, 12)),             # grows: 19 x 25
        (0, np.zeros((72, 96), np.uint8)),               # empty: black
        (1, ellipse(120, 40, 20, 60, 15, 50)),           # tall, shrinks
        (2, ellipse(80, 80, 40, 40, 30, 20) * (np.mgrid[0:80, 0:80][1] % 9 != 0)),
        (2, ellipse(80, 80, 20, 65, 12, 10)),            # grows
    ]
    coco = {"images": [], "annotations": [], "categories": [
        {"id": 1, "name": "blob", "supercategory": "shape"},
        {"id": 2, "name": "stripe", "supercategory": "shape"}]}
    for i, (name, img) in enumerate(images):
        Image.fromarray(img[:, :, 0] if img.shape[2] == 1 else img).save(
            os.path.join(HERE, "images", name))
        coco["images"].append({"id": i + 1, "file_name": name, "width": img.shape[1],
                               "height": img.shape[0]})
    inputs = []
    for a, (i, m) in enumerate(masks):
        ys, xs = np.nonzero(m)
        box = [0, 0, 0, 0] if len(xs) == 0 else [int(xs.min()), int(ys.min()),
                                                  int(xs.max() - xs.min() + 1),
                                                  int(ys.max() - ys.min() + 1)]
        coco["annotations"].append({"id": a + 1, "image_id": i + 1, "category_id": 1 + a % 2,
                                    "iscrowd": 0, "area": int(m.sum()), "bbox": box,
                                    "segmentation": rle(m)})
        inputs.append(network_input(images[i][1], m))
    with open(os.path.join(HERE, "instances.json"), "w") as f:
        json.dump(coco, f, indent=1)

    feats = {}
    net.avgpool.register_forward_hook(lambda mod, inp, out: feats.update(gap=out))
    with torch.no_grad():
        net(torch.from_numpy(np.stack(inputs)))
    expected = feats["gap"].flatten(1).numpy().astype(np.float32)
    np.save(os.path.join(HERE, "expected.npy"), expected)
    print("expected", expected.shape, "norms", np.linalg.norm(expected, axis=1).round(3))


if __name__ == "__main__":
    main()
