//===- PluginRegistration.cpp - load gostack into clang and opt -----------===//
//
// `clang -fpass-plugin=GostackPlugin.so` runs the pass at the very end of the
// optimisation pipeline at every -O level (the O0 pipeline invokes the same
// extension point); `opt -load-pass-plugin=GostackPlugin.so -passes=gostack`
// runs it by name.
//
//===----------------------------------------------------------------------===//

#include "GostackPass.h"

#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"

using namespace llvm;

static void registerCallbacks(PassBuilder &PB) {
  // Last, so that inlining, SROA and friends have already shaped the frames we
  // check and no later IR pass can undo the instrumentation.
  PB.registerOptimizerLastEPCallback(
      [](ModulePassManager &MPM, OptimizationLevel) {
        MPM.addPass(gostack::GostackPass());
      });
  PB.registerPipelineParsingCallback(
      [](StringRef Name, ModulePassManager &MPM,
         ArrayRef<PassBuilder::PipelineElement>) {
        if (Name != "gostack")
          return false;
        MPM.addPass(gostack::GostackPass());
        return true;
      });
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {LLVM_PLUGIN_API_VERSION, "gostack", "0.1", registerCallbacks};
}
