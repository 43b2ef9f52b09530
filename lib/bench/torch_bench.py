"""PyTorch side of the sigmoid-lab benchmark: the same workload as
lib/bench/workload.ts (MLP 784-256x5-10, sigmoid, softmax cross-entropy,
plain SGD lr 0.1, batch 128), timed in segments on request so that the
TypeScript driver can interleave it with the tfjs configurations.

Protocol (one JSON object per line):
  stdin  {"steps": n}  -> stdout {"seconds": wall, "cpu_seconds": cpu, "loss": l}
  stdin  {"quit": true} or EOF       -> exit
The first line written is {"ready": true, "threads": t, ...} once warm.

--threads sets torch.set_num_threads (torch's own OpenMP pool); OpenBLAS's
thread count comes from OPENBLAS_NUM_THREADS, set by the driver (it must be
in the environment before torch is imported).
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load_idx_images(path, limit):
    with open(path, "rb") as f:
        data = f.read()
    magic, n, rows, cols = np.frombuffer(data[:16], dtype=">i4")
    assert magic == 2051, f"{path}: not an idx image file"
    n = min(int(n), limit)
    pixels = np.frombuffer(data, dtype=np.uint8, count=n * rows * cols, offset=16)
    return (pixels.astype(np.float32) / 255.0).reshape(n, rows * cols)


def load_idx_labels(path, limit):
    with open(path, "rb") as f:
        data = f.read()
    magic, n = np.frombuffer(data[:8], dtype=">i4")
    assert magic == 2049, f"{path}: not an idx label file"
    return np.frombuffer(data, dtype=np.uint8, count=min(int(n), limit), offset=8).astype(np.int64)


def make_data(args):
    if args.mnist_dir:
        x = load_idx_images(os.path.join(args.mnist_dir, "train-images-idx3-ubyte"), args.examples)
        y = load_idx_labels(os.path.join(args.mnist_dir, "train-labels-idx1-ubyte"), args.examples)
    else:
        rng = np.random.default_rng(args.seed)
        x = rng.random((args.examples, args.inputs), dtype=np.float32)
        y = rng.integers(0, args.classes, size=args.examples)
    return torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--widths", default="256,256,256,256,256")
    p.add_argument("--inputs", type=int, default=784)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--examples", type=int, default=60000)
    p.add_argument("--mnist-dir", default="")
    p.add_argument("--warmup-steps", type=int, default=30)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    x_all, y_all = make_data(args)
    n = x_all.shape[0]
    dims = [args.inputs] + [int(w) for w in args.widths.split(",")] + [args.classes]
    params = []
    for i in range(len(dims) - 1):
        w = (torch.randn(dims[i], dims[i + 1]) / dims[i] ** 0.5).requires_grad_()
        b = torch.zeros(dims[i + 1], requires_grad=True)
        params += [w, b]
    opt = torch.optim.SGD(params, lr=args.lr)
    cursor = [0]

    def step():
        start = cursor[0]
        if start + args.batch > n:
            start = 0
        cursor[0] = start + args.batch
        x = x_all[start : start + args.batch]
        y = y_all[start : start + args.batch]
        h = x
        for i in range(0, len(params) - 2, 2):
            h = torch.sigmoid(torch.addmm(params[i + 1], h, params[i]))
        logits = torch.addmm(params[-1], h, params[-2])
        loss = F.cross_entropy(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss

    for _ in range(args.warmup_steps):
        step()
    print(json.dumps({"ready": True, "threads": torch.get_num_threads(), "torch": torch.__version__}), flush=True)

    for line in sys.stdin:
        req = json.loads(line)
        if req.get("quit"):
            break
        steps = int(req["steps"])
        t0 = time.perf_counter()
        c0 = time.process_time()
        loss = None
        for _ in range(steps):
            loss = step()
        value = float(loss.item()) if loss is not None else float("nan")
        seconds = time.perf_counter() - t0
        cpu_seconds = time.process_time() - c0
        print(json.dumps({"seconds": seconds, "cpu_seconds": cpu_seconds, "loss": value}), flush=True)


if __name__ == "__main__":
    main()
