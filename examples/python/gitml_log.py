"""Dependency-free logger for training scripts: writes the files `git ml metrics`/`plots` read.

    from gitml_log import RunLog
    log = RunLog()                      # gitml-log/ at the Git work tree root; RunLog(resume=True) continues
    log.log_param("train.lr", 0.01)
    for epoch in range(10):
        log.log_metric("loss", loss)    # appended to gitml-log/plots/loss.tsv at the current step
        log.next_step()

Files (the same as `git ml log` and the .NET GitMl.Tracking library write):
  gitml-log/metrics.json        latest value of each metric plus "step"; replaced atomically (temp + rename)
  gitml-log/params.yaml         "key: value" lines; replaced atomically
  gitml-log/plots/NAME.tsv      "step<TAB>value<TAB>timestamp", one appended line per call, never rewritten
"""

import datetime
import fcntl
import json
import math
import os
import re

_NAME = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)*$")
SERIES_HEADER = "step\tvalue\ttimestamp\n"


def _work_tree_root(start):
    d = os.path.abspath(start)
    while True:
        if os.path.exists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return os.path.abspath(start)
        d = parent


def _check_name(name):
    parts = name.split("/")
    if name == "step" or not _NAME.match(name) or any(p in (".", "..") for p in parts) or len(name) > 200:
        raise ValueError("invalid name %r: letters, digits, '_', '-', '.', '/' between parts ('step' is reserved)" % name)


def _write_atomic(path, text):
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, path)


def _yaml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise ValueError("param values must be finite numbers")
        return repr(value)
    text = str(value)
    plain = re.match(r"^[A-Za-z_/][A-Za-z0-9_.\-/]*$", text) and text not in ("true", "false", "null", "yes", "no", "on", "off")
    return text if plain else json.dumps(text)


def _number_text(value):
    # repr() gives the shortest round-trip form, like .NET's "R"
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


class RunLog:
    """Same API as the .NET GitMl.Tracking.RunLog: log_metric, log_param, next_step, resume."""

    def __init__(self, directory=None, resume=False):
        self.directory = os.path.abspath(directory or os.path.join(_work_tree_root(os.getcwd()), "gitml-log"))
        os.makedirs(os.path.join(self.directory, "plots"), exist_ok=True)
        ignore = os.path.join(self.directory, ".gitignore")
        if not os.path.exists(ignore):  # keep the lock and temp files out of 'git add gitml-log'
            _write_atomic(ignore, "/.lock\n*.tmp\n")
        self.step = 0
        self._metrics = {}
        self._params = {}
        self._with_header = set()
        if resume:
            self._load()
        else:
            self._clear()

    @property
    def metrics_path(self):
        return os.path.join(self.directory, "metrics.json")

    @property
    def params_path(self):
        return os.path.join(self.directory, "params.yaml")

    def log_metric(self, name, value, step=None):
        _check_name(name)
        value = float(value)
        if not math.isfinite(value):
            raise ValueError("metric %r must be a finite number" % name)
        if step is not None:
            if step < 0:
                raise ValueError("step must not be negative")
            self.step = int(step)
        self._metrics[name] = value
        self._append(name, self.step, value)
        self._write_metrics()

    def log_param(self, key, value):
        _check_name(key)
        self._params[key] = _yaml_value(value)
        _write_atomic(self.params_path, "".join("%s: %s\n" % kv for kv in self._params.items()))

    def next_step(self):
        self.step += 1
        self._write_metrics()
        return self.step

    def _append(self, name, step, value):
        path = os.path.join(self.directory, "plots", *name.split("/")) + ".tsv"
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        line = "%d\t%s\t%s\n" % (step, _number_text(value), stamp)
        if path not in self._with_header:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            if not os.path.exists(path) or os.path.getsize(path) == 0:
                line = SERIES_HEADER + line
            self._with_header.add(path)
        # one os.write of the whole line in append mode: concurrent appenders interleave whole lines
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def _write_metrics(self):
        data = {"step": self.step}
        for k, v in self._metrics.items():
            data[k] = int(v) if v.is_integer() and abs(v) < 2**53 else v
        _write_atomic(self.metrics_path, json.dumps(data, indent=2) + "\n")

    def _load(self):
        lock = os.path.join(self.directory, ".lock")
        with open(lock, "a") as lf:
            fcntl.flock(lf, fcntl.LOCK_EX)
            try:
                if os.path.exists(self.metrics_path):
                    with open(self.metrics_path, encoding="utf-8") as f:
                        for k, v in json.load(f).items():
                            if k == "step":
                                self.step = int(v)
                            elif isinstance(v, (int, float)):
                                self._metrics[k] = float(v)
                if os.path.exists(self.params_path):
                    with open(self.params_path, encoding="utf-8") as f:
                        for line in f:
                            if ": " in line and not line.startswith("#"):
                                k, v = line.rstrip("\n").split(": ", 1)
                                self._params[k] = v
            finally:
                fcntl.flock(lf, fcntl.LOCK_UN)

    def _clear(self):
        for path in (self.metrics_path, self.params_path):
            if os.path.exists(path):
                os.remove(path)
        for root, _, files in os.walk(os.path.join(self.directory, "plots")):
            for name in files:
                if name.endswith(".tsv"):
                    os.remove(os.path.join(root, name))


if __name__ == "__main__":
    import sys

    # tiny demo / self-check: python3 gitml_log.py [dir]
    log = RunLog(sys.argv[1] if len(sys.argv) > 1 else None)
    log.log_param("train.lr", 0.01)
    log.log_param("model", "resnet18")
    for epoch in range(3):
        log.log_metric("loss", 1.0 / (epoch + 1))
        log.next_step()
    print(log.directory)
