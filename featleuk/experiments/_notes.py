"""Report notes the experiments share (how the CV was run, what ran once)."""

from __future__ import annotations

__all__ = ["command_note", "cv_note", "frozen_note"]


def cv_note(folds, groups, seed):
    """One sentence on the cross-validation."""
    return (f"{folds}-fold stratified cross-validation"
            + (", grouped so no group spans two folds" if groups is not None else "")
            + f", random_state={seed}.")


def frozen_note(frozen, tail):
    """What ran once per image and what was fitted per fold, from a FrozenCVResults.

    ``tail`` names the steps fitted inside the folds ("the scaler and the
    classifier").
    """
    shared = sorted({step.name for steps in frozen.frozen_steps.values() for step in steps})
    whole = [name for name, n in frozen.n_frozen.items() if n == 0]
    if not whole:
        cached = sum(frozen.n_cached.values())
        return (f"Leakage-free: the steps {', '.join(f'`{s}`' for s in shared)} learn nothing from "
                "the data (tagged `learns_from_data=False`), so an image's output does not depend on "
                "the fold; they ran once per image for the whole run, shared by every pipeline with "
                "the same steps (`featleuk.evaluation.cross_validate_frozen`)"
                + (", reading rows already in the cache" if cached else "")
                + f". Only {tail} were fitted, inside each training fold, so the predictions are "
                "those of cross-validating each whole pipeline.")
    return (f"{len(whole)} of {len(frozen.n_frozen)} pipelines have no step tagged "
            "`learns_from_data=False`, so every step of them was fitted inside each training fold "
            "(and the images went through their feature steps once per fold).")


def command_note(command):
    """``["Command: `...`"]``, or nothing without a command."""
    return [f"Command: `{command}`"] if command else []
