"""One fresh process: ``import featleuk``, ``load_model``, ``predict_proba`` on a few images.

Prints wall and CPU seconds per phase. Run it once with an empty
``FEATLEUK_CACHE_DIR`` (first use on a machine), then again (warm), and with
``FEATLEUK_CACHE_DIR=none`` (cache off):

    python benchmarks/load_predict.py MODEL.skops IMAGE_FOLDER [--n 8]
"""

import argparse
import time

_c0, _t0 = time.process_time(), time.perf_counter()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("images", help="folder of images (read recursively, sorted)")
    parser.add_argument("--n", type=int, default=8, help="images to predict")
    args = parser.parse_args(argv)
    import featleuk
    from featleuk.cli import image_files

    t1 = time.perf_counter()
    model = featleuk.load_model(args.model)
    t2, c2 = time.perf_counter(), time.process_time()
    model.predict_proba(image_files([args.images])[:args.n])
    t3, c3 = time.perf_counter(), time.process_time()
    print(f"import {t1 - _t0:.2f}  load {t2 - t1:.2f}  predict{args.n} {t3 - t2:.2f}  "
          f"total {t3 - _t0:.2f} s wall | cpu: load {c2 - _c0:.2f} predict{args.n} {c3 - c2:.2f} "
          f"total {c3 - _c0:.2f} s")


if __name__ == "__main__":
    main()
