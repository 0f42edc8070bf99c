#!/usr/bin/python3
"""Writes the seed inputs of the fuzz harnesses: tests/fuzz/corpus/<harness>/seed-*.

    tests/fuzz/seeds.py

Seeds are small valid (and a few invalid) inputs of each format, made here or
copied from tests/data. The coreset seeds are services saved by the library
(tests/fuzz/corpus/coreset/seed-*.mcc, kept as they are). Regression inputs
(crashes the fuzzers found) are named regress-* and never rewritten.
"""
import gzip
import io
import json
import os
import shutil
import struct
import zlib

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def put(harness, name, data):
    d = os.path.join(CORPUS, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def coco():
    src = os.path.join(TOP, "tests", "data", "coco")
    for name in sorted(os.listdir(src)):
        if name.endswith(".json"):
            put("coco", name, open(os.path.join(src, name), "rb").read())
    put("coco", "labelme_style.json",
        open(os.path.join(src, "labelme_style", "annotations.json"), "rb").read())
    put("coco", "tinycoco_val.json",
        open(os.path.join(src, "tinycoco", "annotations", "instances_val2017.json"), "rb").read())
    put("coco", "cocoapi_sample.json", open(os.path.join(
        src, "cocoapi", "PythonAPI", "extra", "samples",
        "instances_val2017_1img-sample.json"), "rb").read())
    small = {"images": [{"id": 1, "width": 6, "height": 5, "file_name": "a.jpg"}],
             "categories": [{"id": 2, "name": "cat", "supercategory": "animal"}],
             "annotations": [
                 {"id": 1, "image_id": 1, "category_id": 2, "iscrowd": 0,
                  "segmentation": [[0, 0, 5, 0, 5, 4]], "area": 10, "bbox": [0, 0, 5, 4]},
                 {"id": 2, "image_id": 1, "category_id": 2, "iscrowd": 1,
                  "segmentation": {"size": [5, 6], "counts": [3, 4, 23]}},
                 {"id": 3, "image_id": 1, "category_id": 2, "iscrowd": 0,
                  "segmentation": {"size": [5, 6], "counts": "52203"}},
                 {"id": 4, "image_id": 1, "category_id": 2,
                  "segmentation": [[1, 1, 3, 3]]}]}
    put("coco", "small.json", json.dumps(small))
    put("coco", "nested_extra.json",
        '{"info": {"a": [[[[{"b": [1, 2, {"c": null}]}]]]]}, "images": [], '
        '"annotations": [], "categories": [{"id": 1, "name": "x"}]}')
    put("coco", "escapes.json",
        '{"images": [{"id": 7, "width": 3, "height": 3, "file_name": "d\\u00e9j\\u00e0 \\"vu\\".png"}],'
        ' "categories": [{"id": 1, "name": "caf\\u00e9"}], "annotations": [{"id": 9, '
        '"image_id": 7, "category_id": 1, "segmentation": [[0.5, 0.5, 2.5e0, 0.5, 1, 2.25]]}]}')


def rle():
    # h, w, then two masks: mode 0 string (len, bytes), 1 counts (n, counts), 2 bitmap
    put("rle", "strings", bytes([3, 4, 0, 4]) + b"1203" + bytes([0, 3]) + b"0;1")
    put("rle", "counts_zero_runs", bytes([0, 9, 1, 5, 1, 0, 2, 0, 3, 1, 6, 0, 2]))
    put("rle", "bitmaps", bytes([3, 3, 2]) + bytes([1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 0, 1, 1, 0]) +
        bytes([2]) + bytes([0, 1] * 8))
    put("rle", "string_vs_counts", bytes([7, 7, 0, 6]) + b"5324=6" + bytes([1, 4, 10, 0, 20, 3]))


def poly():
    def pts(values):
        return b"".join(struct.pack("<h", v) for v in values)
    # h, w, parts, flags; per part: k-3, then 2k int16
    put("poly", "triangle_in_image", bytes([20, 30, 0, 1, 0]) + pts([16, 16, 200, 24, 80, 140]))
    put("poly", "around_image", bytes([10, 10, 1, 1, 1]) + pts([-3200, -2400, 7200, -160, 5600, 4000, -800, 6400]) +
        bytes([0]) + pts([0, 0, 0, 0, 8, 8]))
    put("poly", "centred", bytes([40, 40, 0, 0, 5]) + pts([-3000, -3000, 3000, -2500, 2900, 2800,
                                                            0, 3000, -2000, 1000, -100, -100, 40, 50]))
    put("poly", "beyond_limit", bytes([8, 8, 0, 3, 0]) + pts([30000, 1, 2, 3, 4, 5]))


def image():
    def save(img, fmt, **kw):
        b = io.BytesIO()
        img.save(b, fmt, **kw)
        return b.getvalue()
    rgb = Image.new("RGB", (13, 9))
    for x in range(13):
        for y in range(9):
            rgb.putpixel((x, y), (x * 19 % 256, y * 27 % 256, (x * y * 7) % 256))
    put("image", "baseline.jpg", save(rgb, "JPEG", quality=80))
    put("image", "progressive.jpg", save(rgb, "JPEG", quality=70, progressive=True))
    put("image", "gray.jpg", save(rgb.convert("L"), "JPEG"))
    put("image", "cmyk.jpg", save(rgb.convert("CMYK"), "JPEG"))
    put("image", "restart.jpg", save(rgb.resize((40, 24)), "JPEG", quality=60,
                                     subsampling=0))
    put("image", "rgb.png", save(rgb, "PNG"))
    put("image", "gray.png", save(rgb.convert("L"), "PNG"))
    put("image", "palette.png", save(rgb.convert("P"), "PNG"))
    put("image", "rgba.png", save(rgb.convert("RGBA"), "PNG"))
    put("image", "gray_alpha.png", save(rgb.convert("LA"), "PNG"))
    put("image", "gray16.png", save(rgb.convert("L").convert("I").point(lambda v: v * 200), "PNG"))
    put("image", "truncated.jpg", save(rgb, "JPEG")[:200])


def npy():
    src = os.path.join(TOP, "tests", "data", "npy")
    for name in sorted(os.listdir(src)):
        put("npy", name, open(os.path.join(src, name), "rb").read())

    def npy_bytes(descr, shape, payload):
        head = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
        head += " " * ((64 - (10 + len(head) + 1) % 64) % 64) + "\n"
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(head)) + head.encode() + payload
    put("npy", "empty.npy", npy_bytes("<f4", "(0, 3)", b""))


def idx():
    def idx_bytes(t, dims, payload):
        return bytes([0, 0, t, len(dims)]) + b"".join(struct.pack(">I", d) for d in dims) + payload
    put("idx", "images_u8", idx_bytes(8, [2, 3, 3], bytes(range(18))))
    put("idx", "labels_u8", idx_bytes(8, [4], bytes([1, 9, 0, 3])))
    put("idx", "float32", idx_bytes(0x0D, [2, 2], struct.pack(">4f", 1.5, -2, 0, 3.25)))
    put("idx", "int16_gz", gzip.compress(idx_bytes(0x0B, [3], struct.pack(">3h", -1, 2, 300)),
                                     mtime=0))
    put("idx", "huge_dims", idx_bytes(8, [65536, 65536, 255], b"\x01\x02"))


def journal():
    def rec(payload):
        return struct.pack("<II", len(payload), zlib.crc32(payload)) + payload
    magic = b"MCJRNL\x00\x01"
    recs = [b'{"op":"act","i":3,"a":"keep"}', b'{"op":"act","i":5,"a":"relabel","c":1}',
            b'{"op":"apply","iteration":1}']
    put("journal", "three", magic + b"".join(rec(r) for r in recs))
    put("journal", "torn", magic + rec(recs[0]) + rec(recs[1])[:-4])
    put("journal", "empty", magic)
    put("journal", "bad_crc", magic + struct.pack("<II", 5, 0) + b"hello" + rec(recs[2]))


def review_csv():
    # the harness's dataset: annotation ids 1..24, classes apple, pear, fig;
    # its open batch holds 6 of them
    put("review_csv", "actions.csv",
        "annotation_id,image_id,label,score,action,new_label\n"
        + "".join("%d,1,apple,0.9,%s,%s\n" % (i, a, c) for i, a, c in
                  [(1, "keep", ""), (4, "remove", ""), (5, "relabel", "fig"),
                   (7, "relabel:pear", ""), (8, "", "")]))
    put("review_csv", "bom_quotes.csv",
        "\ufeff\"annotation_id\",\"action\",\"new_label\"\r\n\"2\",\"Relabel\",\"apple\"\r\n"
        "\"3\",\"delete\",\"\"\r\n")
    put("review_csv", "every_id.csv", "annotation_id,action\n" +
        "".join("%d,keep\n" % i for i in range(1, 25)))
    put("review_csv", "bad_id.csv", "annotation_id,action\n99,keep\n")


def wire():
    def msg(frames):
        return bytes([1]) + b"\xff".join(frames)
    header = json.dumps({"msg_id": "1", "msg_type": "execute_request", "session": "s",
                         "username": "u", "date": "2026-01-01T00:00:00.000000Z",
                         "version": "5.3"}).encode()
    content = json.dumps({"code": "x = 1", "silent": False}).encode()
    put("wire", "signed", msg([b"ident", b"<IDS|MSG>", b"0" * 64, header, b"{}", b"{}", content]))
    put("wire", "unsigned", bytes([0]) + b"\xff".join([b"<IDS|MSG>", b"", header, b"{}", b"{}",
                                                       content, b"buffer"]))
    put("wire", "as_sent", bytes([2]) + b"\xff".join([b"<IDS|MSG>", b"ab" * 32, header, b"{}",
                                                      b"{}", content]))


def connection():
    c = {"shell_port": 51001, "iopub_port": 51002, "stdin_port": 51003, "control_port": 51004,
         "hb_port": 51005, "ip": "127.0.0.1", "key": "a0436f6c-1916-498b-8eb9-e81ab9368e84",
         "transport": "tcp", "signature_scheme": "hmac-sha256", "kernel_name": "maskclean"}
    put("connection", "tcp.json", json.dumps(c, indent=1))
    c.update(transport="ipc", ip="kernel-ipc", key="")
    put("connection", "ipc.json", json.dumps(c))
    put("connection", "bad_port.json", '{"shell_port": 70000, "key": "k"}')


def shards():
    # fuzz_shards makes a.npy (3 x 2), b.npy (2 x 2 float32), c.npy (4 x 2),
    # d.npy (2 x 3), y3/y2/y4 labels, w3/w2/w4 weights, bad.npy, nan.npy.
    def m(*shards):
        return json.dumps({"shards": list(shards)})
    put("shards", "one.json", m({"features": "a.npy", "rows": 3}))
    put("shards", "three.json", m({"features": "a.npy", "rows": 3, "labels": "y3.npy"},
                                  {"features": "b.npy", "rows": 2, "labels": "y2.npy"},
                                  {"features": "c.npy", "rows": 4, "labels": "y4.npy"}))
    put("shards", "weights.json", m({"features": "c.npy", "rows": 4, "labels": "y4.npy",
                                     "weights": "w4.npy"},
                                    {"features": "a.npy", "rows": 3, "labels": "y3.npy",
                                     "weights": "w3.npy"}))
    put("shards", "empty_shard.json", m({"features": "a.npy", "rows": 0},
                                        {"features": "b.npy", "rows": 2}))
    put("shards", "wrong_rows.json", m({"features": "a.npy", "rows": 5}))
    put("shards", "wrong_cols.json", m({"features": "a.npy", "rows": 3},
                                       {"features": "d.npy", "rows": 2}))
    put("shards", "bad_labels.json", m({"features": "a.npy", "rows": 3, "labels": "bad.npy"}))
    put("shards", "nan_weights.json", m({"features": "b.npy", "rows": 2, "labels": "y2.npy",
                                         "weights": "nan.npy"}))
    put("shards", "labels_differ.json", m({"features": "a.npy", "rows": 3, "labels": "y3.npy"},
                                          {"features": "b.npy", "rows": 2}))
    put("shards", "missing.json", m({"features": "nothere.npy", "rows": 1}))
    put("shards", "huge_rows.json", m({"features": "a.npy", "rows": 9007199254740991},
                                      {"features": "b.npy", "rows": 9007199254740991}))
    put("shards", "not_object.json", '{"shards": [3, "a.npy"]}')
    put("shards", "no_shards.json", '{"shards": []}')


def main():
    for fn in (coco, rle, poly, image, npy, idx, journal, review_csv, wire, connection, shards):
        fn()


if __name__ == "__main__":
    main()
