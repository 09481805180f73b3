# lit configuration for graphjit: RUN lines call tensorjit-opt, FileCheck and not.
import os
import lit.formats

config.name = "graphjit"
config.test_format = lit.formats.ShTest(True)
config.suffixes = [".gj", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.graphjit_obj_root, "test", "lit")
config.environment["PATH"] = os.pathsep.join(
    [config.tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.environment["GRAPHJIT_CACHE_DIR"] = os.path.join(config.graphjit_obj_root, "graphjit-cache")
config.substitutions.append(("%src_root", config.graphjit_src_root))
config.substitutions.append(("%python", "python3"))
