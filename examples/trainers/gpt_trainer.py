#!/usr/bin/env python3
"""A real trainer of small GPT models for lawsweep's command trainer.

    python3 gpt_trainer.py --params 1e7 --tokens 2e8 --data tokens.bin
    python3 gpt_trainer.py --params 1e7 --tokens 2e8 --dry-run     # the plan only; no torch needed

It picks a width and depth whose non-embedding parameter count (12 * n_layer * d_model^2: attention
4 d^2 + MLP 8 d^2 per block, biases and layer norms left out, as in Kaplan et al.) is closest to
--params, trains for --tokens tokens on the file given with --data, and speaks the protocol of
ARCHITECTURE.md on stdout:

    {"tokens": 1.2e6, "step": 40, "loss": 5.31}      progress (training loss, smoothed)
    {"final": true, "loss": 4.87, ...}              held-out loss on the last 5% of the data

Data (nothing is ever downloaded): a file of uint16 token ids (`.bin`, e.g. nanoGPT's
prepare scripts; --vocab gives its vocabulary size, default 50304), or any other file, read as
bytes (vocabulary 256: a byte-level model of any text).

SIGTERM (a cancel, a worker shutdown): it saves a checkpoint in $LAWSWEEP_RUN_DIR, if set, and
exits with 143; started again with the same arguments it resumes from that checkpoint.
"""
import argparse
import json
import math
import os
import signal
import sys
import time

# Keep in step with the table in README.md (python3 gpt_trainer.py --table prints it).
HEAD_DIM = 64
MAX_LAYERS = 48


def emit(obj):
    print(json.dumps(obj), flush=True)


def non_embedding_params(n_layer, d_model):
    return 12 * n_layer * d_model * d_model


def choose_shape(target):
    """(n_layer, d_model) with 12 L d^2 closest to target in log space, preferring d/L near 64.

    d_model is a multiple of 64 (one attention head per 64 channels). Among shapes within 10% of the
    best log-distance, the one whose aspect ratio d/L is closest to 64 wins: Kaplan et al. find loss
    nearly flat in the aspect ratio over a wide range, and ~64 is the usual choice for small models.
    """
    candidates = []
    for n_layer in range(1, MAX_LAYERS + 1):
        ideal = math.sqrt(target / (12 * n_layer))
        for d_model in {max(HEAD_DIM, HEAD_DIM * math.floor(ideal / HEAD_DIM)), max(HEAD_DIM, HEAD_DIM * math.ceil(ideal / HEAD_DIM))}:
            n = non_embedding_params(n_layer, d_model)
            candidates.append((abs(math.log(n / target)), abs(math.log((d_model / n_layer) / 64)), n_layer, d_model))
    best = min(c[0] for c in candidates)
    near = [c for c in candidates if c[0] <= best + 0.1]
    _, _, n_layer, d_model = min(near, key=lambda c: (c[1], c[0]))
    return n_layer, d_model


def plan(args):
    n_layer, d_model = choose_shape(args.params)
    batch_tokens = args.batch_size * args.seq_len
    steps = max(1, math.ceil(args.tokens / batch_tokens))
    return {
        "params": args.params,
        "n_layer": n_layer,
        "d_model": d_model,
        "n_head": d_model // HEAD_DIM,
        "non_embedding_params": non_embedding_params(n_layer, d_model),
        "tokens": args.tokens,
        "batch_tokens": batch_tokens,
        "steps": steps,
        "seq_len": args.seq_len,
    }


def print_table():
    print("| target N | n_layer | d_model | n_head | N = 12·L·d² |")
    print("|---:|---:|---:|---:|---:|")
    for target in [1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8, 3e8, 1e9]:
        n_layer, d_model = choose_shape(target)
        print(f"| {target:.0e} | {n_layer} | {d_model} | {d_model // HEAD_DIM} | {non_embedding_params(n_layer, d_model):.3g} |")


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--params", type=float, help="target non-embedding parameter count N, e.g. 1e7")
    p.add_argument("--tokens", type=float, help="training tokens D, e.g. 2e8")
    p.add_argument("--data", default=os.environ.get("GPT_DATA"),
                   help="token file: .bin of uint16 ids, or any file read as bytes (default: $GPT_DATA, "
                   "so each node's worker can point at its own copy)")
    p.add_argument("--vocab", type=int, default=50304, help="vocabulary size of a .bin file (default 50304)")
    p.add_argument("--seq-len", type=int, default=256)
    p.add_argument("--batch-size", type=int, default=32, help="sequences per step")
    p.add_argument("--lr", type=float, default=None, help="peak learning rate (default: 3e-3 scaled down for wide models)")
    p.add_argument("--warmup", type=float, default=0.02, help="fraction of steps of linear warmup")
    p.add_argument("--seed", type=int, default=int(os.environ.get("LAWSWEEP_SEED", "0")))
    p.add_argument("--device", default=None, help="cuda, cpu, mps (default: cuda if available)")
    p.add_argument("--log-every", type=int, default=0, help="steps between progress lines (default: ~50 lines per run)")
    p.add_argument("--eval-batches", type=int, default=20)
    p.add_argument("--dry-run", action="store_true", help="print the planned shape and steps as JSON and exit (no torch needed)")
    p.add_argument("--table", action="store_true", help="print the table of N -> width/depth and exit")
    args = p.parse_args(argv)
    if args.table:
        return args
    if args.params is None or args.tokens is None:
        p.error("--params and --tokens are required")
    if not (args.params > 0 and args.tokens > 0):
        p.error("--params and --tokens must be positive")
    if not args.dry_run and not args.data:
        p.error("--data (or $GPT_DATA) is required: a .bin of uint16 token ids, or a text file read as bytes")
    return args


def load_tokens(path, vocab):
    import numpy as np

    if path.endswith(".bin"):
        data = np.memmap(path, dtype=np.uint16, mode="r")
    else:
        data = np.fromfile(path, dtype=np.uint8)
        vocab = 256
    if len(data) < 10_000:
        raise SystemExit(f"{path}: only {len(data)} tokens; give a larger file")
    return data, vocab


def causal_attention(torch, F):
    """PyTorch >= 2.0's fused scaled_dot_product_attention, or the same computation written out
    for older PyTorch (Debian 12's python3-torch is 1.13): softmax(q k^T / sqrt(d) + causal mask) v."""
    if hasattr(F, "scaled_dot_product_attention"):
        return lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True)

    def attention(q, k, v):
        t = q.shape[-2]
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(q.shape[-1])
        mask = torch.ones(t, t, dtype=torch.bool, device=q.device).triu(1)
        return F.softmax(scores.masked_fill(mask, float("-inf")), dim=-1) @ v

    return attention


def build_model(torch, nn, F, vocab, n_layer, d_model, n_head, seq_len):
    attend = causal_attention(torch, F)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1 = nn.LayerNorm(d_model)
            self.qkv = nn.Linear(d_model, 3 * d_model)
            self.proj = nn.Linear(d_model, d_model)
            self.ln2 = nn.LayerNorm(d_model)
            self.fc = nn.Linear(d_model, 4 * d_model)
            self.out = nn.Linear(4 * d_model, d_model)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.qkv(self.ln1(x)).split(d_model, dim=2)
            q, k, v = (z.view(b, t, n_head, c // n_head).transpose(1, 2) for z in (q, k, v))
            y = attend(q, k, v)
            x = x + self.proj(y.transpose(1, 2).contiguous().view(b, t, c))
            return x + self.out(F.gelu(self.fc(self.ln2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab, d_model)
            self.pos = nn.Embedding(seq_len, d_model)
            self.blocks = nn.ModuleList([Block() for _ in range(n_layer)])
            self.ln = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab, bias=False)
            self.head.weight = self.tok.weight  # tied embeddings
            for name, p in self.named_parameters():
                if p.dim() >= 2:
                    std = 0.02 / math.sqrt(2 * n_layer) if name.endswith(("proj.weight", "out.weight")) else 0.02
                    nn.init.normal_(p, mean=0.0, std=std)
                elif name.endswith("bias"):
                    nn.init.zeros_(p)

        def forward(self, idx, targets):
            t = idx.shape[1]
            x = self.tok(idx) + self.pos(torch.arange(t, device=idx.device))
            for block in self.blocks:
                x = block(x)
            logits = self.head(self.ln(x))
            return F.cross_entropy(logits.view(-1, logits.size(-1)).float(), targets.reshape(-1))

    return GPT()


def train(args, shape):
    try:
        import numpy as np
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except ImportError as err:
        print(f"gpt_trainer: {err}; install PyTorch and numpy (pip install torch numpy), or use --dry-run", file=sys.stderr)
        return 2

    stop = {"requested": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("requested", True))

    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    data, vocab = load_tokens(args.data, args.vocab)
    split = int(len(data) * 0.95)
    train_data, val_data = data[:split], data[split:]
    seq, bs = args.seq_len, args.batch_size

    def batch(source, generator):
        starts = generator.integers(0, len(source) - seq - 1, size=bs)
        x = np.stack([np.asarray(source[s : s + seq], dtype=np.int64) for s in starts])
        y = np.stack([np.asarray(source[s + 1 : s + 1 + seq], dtype=np.int64) for s in starts])
        return torch.from_numpy(x).to(device, non_blocking=True), torch.from_numpy(y).to(device, non_blocking=True)

    model = build_model(torch, nn, F, vocab, shape["n_layer"], shape["d_model"], shape["n_head"], seq).to(device)
    lr = args.lr if args.lr is not None else min(3e-3, 3e-3 * 256 / shape["d_model"])
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(0.9, 0.95))
    steps = shape["steps"]
    warmup = max(1, int(args.warmup * steps))

    def lr_at(step):
        if step < warmup:
            return lr * (step + 1) / warmup
        progress = (step - warmup) / max(1, steps - warmup)
        return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    run_dir = os.environ.get("LAWSWEEP_RUN_DIR")
    ckpt_path = os.path.join(run_dir, "checkpoint.pt") if run_dir else None
    start = 0
    if ckpt_path and os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path, map_location=device)
        if ckpt.get("shape") == shape:
            model.load_state_dict(ckpt["model"])
            opt.load_state_dict(ckpt["opt"])
            start = ckpt["step"]
            rng = np.random.default_rng(args.seed + start)
            print(f"resuming from step {start}", flush=True)

    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device == "cuda" else torch.autocast("cpu", enabled=False)
    log_every = args.log_every or max(1, steps // 50)
    smoothed = None
    began = time.time()
    model.train()
    for step in range(start, steps):
        if stop["requested"]:
            if ckpt_path:
                torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "shape": shape}, ckpt_path)
            print(f"SIGTERM at step {step}" + (f"; checkpoint in {ckpt_path}" if ckpt_path else ""), file=sys.stderr, flush=True)
            return 143
        for group in opt.param_groups:
            group["lr"] = lr_at(step)
        x, y = batch(train_data, rng)
        with autocast:
            loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        value = loss.item()
        if not math.isfinite(value):
            emit({"final": True, "loss": value})  # non-finite: the worker fails the run and does not retry it
            return 0
        smoothed = value if smoothed is None else 0.9 * smoothed + 0.1 * value
        if (step + 1) % log_every == 0 or step + 1 == steps:
            emit({"tokens": (step + 1) * shape["batch_tokens"], "step": step + 1, "loss": round(smoothed, 5)})

    model.eval()
    eval_rng = np.random.default_rng(12345)  # the same held-out batches for every run
    with torch.no_grad(), autocast:
        losses = [model(*batch(val_data, eval_rng)).item() for _ in range(args.eval_batches)]
    val = sum(losses) / len(losses)
    emit({"final": True, "loss": val, "train_loss": smoothed, "steps": steps, "seconds": round(time.time() - began, 2), **{k: shape[k] for k in ("n_layer", "d_model", "non_embedding_params")}})
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.table:
        print_table()
        return 0
    shape = plan(args)
    if args.dry_run:
        emit({"plan": shape})
        return 0
    print(f"gpt_trainer: {json.dumps(shape)}", flush=True)
    return train(args, shape)


if __name__ == "__main__":
    sys.exit(main())
