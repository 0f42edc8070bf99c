#!/usr/bin/python3
"""Cuts ../shared/data/coco/tinycoco to the images kept in this folder.

Usage: tests/data/coco/tinycoco/cut.py SHARED_TINYCOCO_DIR
Writes annotations/instances_<split>.json holding the kept images and their
annotations (categories, info and licenses whole, the text formatted as the
original: json.dumps with its default separators), and copies the images.
"""
import json
import os
import shutil
import sys

KEEP = {
    # 37777: 5 oranges and a banana; 184791: 5 oranges; 87038: a crowd
    # person (uncompressed RLE); 226111: no annotation at all; portrait and
    # landscape images of toilets and sinks.
    "train2017": [37777, 184791, 87038, 226111, 403385, 6818, 331352],
    "val2017": [547503, 565004],
}


def main():
    src = sys.argv[1]
    here = os.path.dirname(os.path.abspath(__file__))
    for split, ids in KEEP.items():
        with open(os.path.join(src, "annotations", "instances_%s.json" % split)) as f:
            d = json.load(f)
        keep = set(ids)
        d["images"] = [im for im in d["images"] if im["id"] in keep]
        d["annotations"] = [a for a in d["annotations"] if a["image_id"] in keep]
        os.makedirs(os.path.join(here, "annotations"), exist_ok=True)
        with open(os.path.join(here, "annotations", "instances_%s.json" % split), "w") as f:
            f.write(json.dumps(d) + "\n")
        os.makedirs(os.path.join(here, "images", split), exist_ok=True)
        for im in d["images"]:
            shutil.copyfile(os.path.join(src, "images", split, im["file_name"]),
                            os.path.join(here, "images", split, im["file_name"]))


if __name__ == "__main__":
    main()
