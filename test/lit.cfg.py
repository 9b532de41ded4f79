# -*- Python -*-
# lit configuration for the whole gostack test tree (suites test/plugin and test/e2e).
#
# Loaded from the generated <build>/test/lit.site.cfg.py, which sets the paths below
# (gostack_src_root, gostack_obj_root, llvm_tools_dir, gostack_plugin, gostack_runtime,
# gostack_bin, plain_clang, plain_clangxx).
#
# Parameters:
#   --param movestack=1   run every test with GOSTACK_MOVESTACK=1 (a stack move at every
#                         instrumented function entry). Each move copies the whole used stack,
#                         so deep recursion costs O(depth^2): the %depth_* substitutions shrink.
#   --param procs=N       run every program on N processors (GOSTACK_PROCS=N) unless its RUN
#                         line sets its own; by default, the runtime's default (all cores).
#   --param linker=lld|gold|bfd
#                         link every %gostack-cc/%gostack-cxx/%plain-cc/%plain-cxx program with
#                         that linker (-fuse-ld=...); by default clang's default, GNU ld (bfd).
#
# Features: 'movestack' or 'nomovestack'; 'linker-<name>' (linker-bfd by default); 'procs-<N>'.

import os

import lit.formats
import lit.util

# Run from the source tree (`lit test/e2e`): lit found this file first, without the generated
# site config. Load the site config named by --param gostack_site_config=<file> (or
# $GOSTACK_LIT_SITE_CFG, or <src>/build/test/lit.site.cfg.py); it loads this file again with the
# paths set, and SystemExit hands control back to lit.
if not hasattr(config, "gostack_obj_root"):
    site_cfg = lit_config.params.get("gostack_site_config") or os.environ.get(
        "GOSTACK_LIT_SITE_CFG"
    )
    if not site_cfg:
        site_cfg = os.path.join(
            os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
            "build",
            "test",
            "lit.site.cfg.py",
        )
    if not os.path.exists(site_cfg):
        lit_config.fatal(
            "gostack: no lit.site.cfg.py; run lit on <build>/test, or pass "
            "--param gostack_site_config=<build>/test/lit.site.cfg.py"
        )
    lit_config.load_config(config, site_cfg)
    raise SystemExit

config.name = "gostack"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".c", ".cpp", ".ll", ".test"]
config.excludes = [
    "Inputs",
    "CMakeLists.txt",
    "lit.cfg.py",
    "lit.site.cfg.py",
    "lit.site.cfg.py.in",
    "lit.local.cfg",
    "unit",
    "csmith",
    "README.md",
]

config.test_source_root = os.path.dirname(__file__)
# The movestack run gets its own output tree: ctest runs both suites at once.
config.test_exec_root = os.path.join(
    config.gostack_obj_root,
    "test"
    + ("-movestack" if lit.util.pythonize_bool(lit_config.params.get("movestack", False)) else "")
    + ("-conservative"
       if lit.util.pythonize_bool(lit_config.params.get("conservative", False))
       else "")
    + ("-" + lit_config.params["linker"] if lit_config.params.get("linker") else "")
    + ("-procs" + lit_config.params["procs"] if lit_config.params.get("procs") else ""),
)


def _required(name):
    value = getattr(config, name, None)
    if not value:
        lit_config.fatal("gostack: lit.site.cfg.py does not set config.%s" % name)
    return value


src_root = _required("gostack_src_root")
llvm_tools_dir = _required("llvm_tools_dir")
plugin = _required("gostack_plugin")
runtime = _required("gostack_runtime")
gostack_bin = _required("gostack_bin")
plain_clang = _required("plain_clang")
plain_clangxx = _required("plain_clangxx")

# ---- Environment ---------------------------------------------------------------------------------
# FileCheck, not, count, llvm-symbolizer come from the LLVM tools dir, ahead of everything else.
config.environment["PATH"] = os.path.pathsep.join(
    [llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))]
)
for var in ("HOME", "TMPDIR"):
    if var in os.environ:
        config.environment[var] = os.environ[var]
# Fatal-error output without symbolization is faster; a test that wants symbols uses
# `env GOSTACK_SYMBOLIZE=1 ...`.
config.environment["GOSTACK_SYMBOLIZE"] = "0"
# Nothing from the caller's environment may change the runtime's behaviour behind our back.
for var in ("GOSTACK_MOVESTACK", "GOSTACK_MAXSTACK", "GOSTACK_STACK_MIN", "GOSTACK_MAIN_TASK",
            "GOSTACK_RELOCATE", "GOSTACK_STACK_MAPS", "GOSTACK_DEBUG", "GOSTACK_INDIRECT_CALLS",
            "GOSTACK_FOREIGN_RESERVE", "GOSTACK_PROCS"):
    config.environment.pop(var, None)
# --param conservative=1: compile without stack maps and relocate conservatively (the
# alternative strategy; docs/design.md, "The relocation invariant"). The default is precise.
if lit.util.pythonize_bool(lit_config.params.get("conservative", False)):
    config.environment["GOSTACK_STACK_MAPS"] = "0"
    config.environment["GOSTACK_RELOCATE"] = "conservative"
    config.available_features.add("conservative")
else:
    config.available_features.add("precise")

# ---- Parameters and features ---------------------------------------------------------------------
movestack = lit.util.pythonize_bool(lit_config.params.get("movestack", False))
if movestack:
    config.environment["GOSTACK_MOVESTACK"] = "1"
    # Every move of the precise strategy is also verified: described words must not point into
    # the old stack, and old stacks are quarantined so a missed live pointer faults
    # (docs/design.md, "Verifying moves").
    if not lit.util.pythonize_bool(lit_config.params.get("conservative", False)):
        config.environment["GOSTACK_DEBUG"] = "verifymove"
    config.available_features.add("movestack")
    depth_big, depth_mid = 3000, 2000
else:
    config.available_features.add("nomovestack")
    depth_big, depth_mid = 1000000, 100000

# --param procs=N: every program runs on N processors (GOSTACK_PROCS) unless its RUN line sets
# its own. The default is the runtime's (the cores this process may use).
procs = lit_config.params.get("procs", "")
if procs:
    if not procs.isdigit() or int(procs) < 1:
        lit_config.fatal("gostack: --param procs=%s: expected a positive number" % procs)
    config.environment["GOSTACK_PROCS"] = procs
    config.available_features.add("procs-" + procs)

# --param linker=<name>: lld and gold rewrite split-stack prologues that call code without
# .note.GNU-split-stack (docs/design.md, "Linkers"); GNU ld does not. -fuse-ld is a link
# option, so compile-only commands would warn that it is unused: those warnings are silenced.
linker = lit_config.params.get("linker", "")
if linker not in ("", "bfd", "lld", "gold"):
    lit_config.fatal("gostack: --param linker=%s: expected lld, gold or bfd" % linker)
link_flags = (" -fuse-ld=%s -Wno-unused-command-line-argument" % linker) if linker else ""
config.available_features.add("linker-" + (linker or "bfd"))

# CPU features some e2e tests compile for (vector_args.c: -mavx).
try:
    with open("/proc/cpuinfo") as cpuinfo:
        cpu_flags = next((l.split(":", 1)[1].split() for l in cpuinfo if l.startswith("flags")), [])
except OSError:
    cpu_flags = []
if "avx" in cpu_flags:
    config.available_features.add("avx")

# ---- Substitutions -------------------------------------------------------------------------------
# lit applies substitutions in list order, so a longer name must come before any shorter name
# that is a prefix of it (checked below). They are also put ahead of lit's own %s/%t/%p/...,
# which would otherwise eat the start of %src_root, %plain-cc, ...
plugin_clang = "%s -fpass-plugin=%s -Xclang -fsplit-stack -I%s" % (
    plain_clang,
    plugin,
    os.path.join(src_root, "include"),
)
subs = [
    ("%gostack-runtime", runtime),
    ("%gostack-cxx", os.path.join(gostack_bin, "gostack-clang++") + link_flags),
    ("%gostack-cc", os.path.join(gostack_bin, "gostack-clang") + link_flags),
    ("%plain-cxx", plain_clangxx + link_flags),
    ("%plain-cc", plain_clang + link_flags),
    ("%clang-plugin", plugin_clang),
    ("%opt", "%s -load-pass-plugin=%s" % (os.path.join(llvm_tools_dir, "opt"), plugin)),
    ("%llc", os.path.join(llvm_tools_dir, "llc")),
    ("%depth_big", str(depth_big)),
    ("%depth_mid", str(depth_mid)),
    ("%src_root", src_root),
]
# Guard against future additions breaking the prefix rule.
for i, (name, _) in enumerate(subs):
    for later, _ in subs[i + 1 :]:
        if later.startswith(name):
            lit_config.fatal("gostack lit.cfg.py: substitution %s must follow %s" % (name, later))
config.substitutions[:0] = subs
