#!/usr/bin/env python3
"""Prints the Markdown tables of docs/results.md from out/fmnist/ (the runs of
docs/fashion-mnist-train.sh and docs/fashion-mnist-evaluate.sh)."""
import json, os, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else "out/fmnist"
RUNS = ["magnet", "softmax", "triplet"]

def load(path):
    with open(path) as f:
        return json.load(f)

def fmt(v):
    return "—" if v is None else f"{v:.4f}"

for task in ["fine", "coarse"]:
    print(f"\n### {'Classification, fine labels' if task == 'fine' else 'Hierarchy recovery: trained on coarse labels, scored on fine labels'}\n")
    if task == "fine":
        cols = [("knn1_accuracy", "1-NN"), ("knn10_accuracy", "10-NN"), ("cluster_accuracy", "cluster rule"),
                ("precision_at_1", "P@1"), ("recall_at_2", "R@2"), ("recall_at_4", "R@4"), ("recall_at_8", "R@8"),
                ("map_at_r", "MAP@R"), ("nmi", "NMI")]
    else:
        cols = [("fine_knn1_accuracy", "fine 1-NN"), ("fine_knn10_accuracy", "fine 10-NN"),
                ("fine_precision_at_1", "fine P@1"), ("fine_map_at_r", "fine MAP@R"), ("fine_nmi", "fine NMI"),
                ("knn1_accuracy", "coarse 1-NN"), ("cluster_accuracy", "coarse cluster rule")]
    print("| loss | " + " | ".join(c[1] for c in cols) + " | train s | 1-NN per epoch |")
    print("|---" * (len(cols) + 3) + "|")
    for loss in RUNS:
        run = f"{loss}-{task}"
        ev_path, tr_path = f"{OUT}/{run}-eval.json", f"{OUT}/{run}/metrics.json"
        if not (os.path.exists(ev_path) and os.path.exists(tr_path)):
            continue
        ev = load(ev_path)["summary"]
        tr = load(tr_path)["epochs"]
        seconds = sum(e[k] for e in tr for k in ["embedSeconds", "indexSeconds", "planSeconds", "materialiseSeconds", "fitSeconds"])
        key = "knn1_accuracy" if task == "fine" else "fine_knn1_accuracy"
        per_epoch = " / ".join(f"{e['validation'].get(key, float('nan')):.4f}" for e in tr)
        cells = [fmt(ev.get(c[0])) if not (loss != "magnet" and c[0] == "cluster_accuracy") else fmt(ev.get(c[0])) + "¹" for c in cols]
        print(f"| {loss} | " + " | ".join(cells) + f" | {seconds:.0f} | {per_epoch} |")
