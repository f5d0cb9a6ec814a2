"""Training throughput of DeepClassifier's network on this CPU (images per second).

Times the training step DeepClassifier runs per batch -- SmearAugment, forward,
cross-entropy, backward, Adam step -- for MobileNetV2 at 224 px under several
settings, all in one process so the ratios are comparable:

    python benchmarks/bench_deep_training.py --batches 4

On a machine shared with other jobs, compare ``--threads 1`` with the
default: OpenMP threads that wait for a busy core can make small ops many
times slower. Rows: trainable_layers (None = full fine-tune), channels_last memory format,
bf16 autocast; plus the augmentation alone and inference (predict) speed.
Numbers go to docs/benchmarks.md, section "End-to-end deep models (issue 5)".
"""

from __future__ import annotations

import argparse
import time

import torch

from featleuk.models import DeepNet, SmearAugment
from featleuk.models._training import autocast


def _net(trainable_layers, channels_last, weights, head="linear"):
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
    net = DeepNet("mobilenet_v2", weights, head, 4, mean=mean, std=std,
                  trainable_layers=trainable_layers, channels_last=channels_last)
    return net.train()


def _train_rate(net, batch, labels, n_batches, bf16):
    optimizer = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=1e-4)
    augment = SmearAugment()
    dtype = torch.bfloat16 if bf16 else None

    def step():
        with autocast(dtype):
            logits = net(augment(batch))
        loss = torch.nn.functional.cross_entropy(logits.float(), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()  # warm-up (oneDNN primitive creation)
    start = time.perf_counter()
    for _ in range(n_batches):
        step()
    return n_batches * len(batch) / (time.perf_counter() - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=4, help="timed batches per setting")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--image-size", type=int, default=224)
    parser.add_argument("--weights", default="IMAGENET1K_V1")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: torch's default, one per core)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    torch.manual_seed(0)
    size = args.image_size
    batch = torch.randint(0, 256, (args.batch_size, 3, size, size), dtype=torch.uint8)
    labels = torch.randint(0, 4, (args.batch_size,))
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch_size}, "
          f"{size} px, {args.batches} timed batches per row")
    settings = [
        ("full fine-tune", None, True, False, "linear"),
        ("trainable_layers=3", 3, True, False, "linear"),
        ("trainable_layers=3, NCHW", 3, False, False, "linear"),
        ("trainable_layers=3, bf16 autocast", 3, True, True, "linear"),
        ("trainable_layers=3, bilstm head", 3, True, False, "bilstm"),
        ("trainable_layers=0 (head only)", 0, True, False, "linear"),
    ]
    print(f"{'setting':<38} {'train img/s':>12}")
    for label, layers, channels_last, bf16, head in settings:
        net = _net(layers, channels_last, args.weights, head)
        rate = _train_rate(net, batch, labels, args.batches, bf16)
        print(f"{label:<38} {rate:12.1f}", flush=True)

    augment = SmearAugment()
    start = time.perf_counter()
    for _ in range(args.batches):
        augment(batch)
    aug_rate = args.batches * args.batch_size / (time.perf_counter() - start)
    print(f"{'SmearAugment alone':<38} {aug_rate:12.1f}")

    net = _net(None, True, args.weights).eval()
    with torch.inference_mode():
        net(batch)
        start = time.perf_counter()
        for _ in range(args.batches):
            net(batch)
    print(f"{'inference (predict)':<38} {args.batches * args.batch_size / (time.perf_counter() - start):12.1f}")


if __name__ == "__main__":
    main()
