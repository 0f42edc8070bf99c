#!/usr/bin/python3
"""Makes a labelme-style COCO export of our own: annotations.json and the
images JPEGImages/*.jpg it names (drawn here, no third-party content).

It has what labelme's labelme2coco writes and COCO's own files do not: a
category and an image with id 0 (the category named "_background_"), null
supercategories and null fields, file names relative to the JSON, and a
multi-part polygon (one object split by an occluder).
"""
import json
import os

from PIL import Image, ImageDraw

HERE = os.path.dirname(os.path.abspath(__file__))

CATEGORIES = ["_background_", "disc", "box", "wedge"]

# image id, file, size (w, h), background colour, objects (category, parts)
IMAGES = [
    (0, "JPEGImages/shapes_000.jpg", (160, 120), (40, 90, 40), [
        (1, [[20, 20, 60, 14, 76, 40, 60, 66, 24, 60, 12, 40]]),
        (2, [[90, 30, 140, 30, 140, 90, 90, 90]]),
        # a wedge split in two by a post drawn over it
        (3, [[30, 80, 70, 80, 70, 110, 30, 110], [78, 80, 110, 80, 110, 110, 78, 110]]),
    ]),
    (1, "JPEGImages/shapes_001.jpg", (96, 128), (30, 30, 110), [
        (2, [[10, 10, 50, 10, 50, 40, 10, 40]]),
        (1, [[48, 60, 80, 52, 90, 84, 70, 110, 40, 100]]),
    ]),
]

COLOURS = {1: (230, 200, 40), 2: (200, 60, 60), 3: (240, 240, 240)}


def area(xy):
    s = 0.0
    n = len(xy) // 2
    for i in range(n):
        x0, y0 = xy[2 * i], xy[2 * i + 1]
        x1, y1 = xy[2 * ((i + 1) % n)], xy[2 * ((i + 1) % n) + 1]
        s += x0 * y1 - x1 * y0
    return abs(s) / 2


def main():
    images, annotations = [], []
    ann_id = 0
    os.makedirs(os.path.join(HERE, "JPEGImages"), exist_ok=True)
    for image_id, name, (w, h), bg, objects in IMAGES:
        im = Image.new("RGB", (w, h), bg)
        draw = ImageDraw.Draw(im)
        for cat, parts in objects:
            xs, ys = [], []
            for p in parts:
                draw.polygon(p, fill=COLOURS[cat])
                xs += p[0::2]
                ys += p[1::2]
            annotations.append({
                "id": ann_id, "image_id": image_id, "category_id": cat,
                "segmentation": [[float(v) for v in p] for p in parts],
                "area": float(sum(area(p) for p in parts)),
                "bbox": [float(min(xs)), float(min(ys)), float(max(xs) - min(xs)),
                         float(max(ys) - min(ys))],
                "iscrowd": 0})
            ann_id += 1
        if image_id == 0:
            draw.rectangle([71, 76, 77, 114], fill=(90, 60, 30))   # the post
        im.save(os.path.join(HERE, name), quality=90)
        images.append({"license": 0, "url": None, "file_name": name, "height": h, "width": w,
                       "date_captured": None, "id": image_id})
    doc = {
        "info": {"description": None, "url": None, "version": None, "year": 2026,
                 "contributor": None, "date_created": "2026-01-01 00:00:00.000000"},
        "licenses": [{"url": None, "id": 0, "name": None}],
        "images": images,
        "type": "instances",
        "annotations": annotations,
        "categories": [{"supercategory": None, "id": i, "name": n}
                       for i, n in enumerate(CATEGORIES)],
    }
    with open(os.path.join(HERE, "annotations.json"), "w") as f:
        f.write(json.dumps(doc) + "\n")


if __name__ == "__main__":
    main()
